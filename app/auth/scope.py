"""The pieces every feature's `scope.py` is built from.

Each feature says in its own `scope.py` what a user may see of it; whatever lies outside a
scope is answered with 404, so that its existence is never revealed. What is shared lives
here: the 404 itself, reading an identifier from a path (an impossible one names no row),
the one row a scoped query finds, and the staff — who are auth's own.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.db import db
from app.validation import ID_MAX


def not_found() -> Any:
    abort(404, message=_("Not found."))


def uuid_or_404(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        not_found()
        raise  # unreachable: not_found aborts


def row_id_or_404(value: int) -> int:
    if not 1 <= value <= ID_MAX:  # names no row; the driver would overflow
        not_found()
    return value


def one_in_scope(query: Select[tuple[Any]]) -> Any:
    """The one row a query already limited to the caller's scope finds, or 404."""
    row = db.session.execute(query).unique().scalar_one_or_none()
    if row is None:
        not_found()
    return row


def staff_query() -> Select[tuple[User]]:
    """The people of the participating organisations: never a resident's own account."""
    return select(User).where(User.role != Role.RESIDENT)


def staff_member(user_id: int) -> User | None:
    return db.session.execute(staff_query().where(User.id == user_id)).scalar_one_or_none()
