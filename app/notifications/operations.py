"""Telling users what happened: one row per recipient, written in the same transaction as
the change it reports, so a notification exists exactly when its change does.

A notification names its kind and its object, nothing else: what a reader is shown of the
object is decided when the inbox is read, in the reader's scope (`app.notifications.views`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from app.auth.models import User
from app.auth.permissions import Role
from app.db import db, utcnow
from app.notifications.models import Notification, NotificationKind


class NotificationNotFound(LookupError):
    """Not one of the reader's notifications (answered as 404)."""


def notify(kind: NotificationKind, recipients: Iterable[int | None], *,
           handover: Any = None, case: Any = None, consent: Any = None,
           resident_id: uuid.UUID | None = None, actor: Any = None,
           now: datetime | None = None) -> int:
    """Add one notification per active recipient (the actor never hears of their own act).
    Returns how many were added."""
    wanted = {user_id for user_id in recipients if user_id is not None}
    wanted.discard(getattr(actor, "id", None))
    if not wanted:
        return 0
    active = db.session.execute(
        select(User.id).where(User.id.in_(wanted), User.active.is_(True))).scalars().all()
    created_at = now or utcnow()
    for user_id in sorted(active):
        db.session.add(Notification(
            user_id=user_id, kind=kind, created_at=created_at,
            handover_id=getattr(handover, "id", None), case_id=getattr(case, "id", None),
            consent_id=getattr(consent, "id", None), resident_id=resident_id))
    return len(active)


def professionals_of(organization_id: int | None) -> list[int]:
    """The professionals who receive what is offered to their organisation."""
    if organization_id is None:
        return []
    return list(db.session.execute(
        select(User.id).where(User.organization_id == organization_id,
                              User.role == Role.PROFESSIONAL, User.active.is_(True))
    ).scalars())


def coordinators() -> list[int]:
    return list(db.session.execute(
        select(User.id).where(User.role == Role.COORDINATOR, User.active.is_(True))).scalars())


def inbox_query(user: Any) -> Any:
    """A user's own notifications, newest first: nobody reads another's inbox."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(user: Any) -> int:
    return db.session.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


def mark_read(user: Any, notification_id: int, now: datetime | None = None) -> Notification:
    notification = db.session.execute(
        select(Notification).where(Notification.id == notification_id,
                                   Notification.user_id == user.id)).scalar_one_or_none()
    if notification is None:
        raise NotificationNotFound(_("Not found."))
    if notification.read_at is None:
        notification.read_at = now or utcnow()
    return notification


def mark_all_read(user: Any, now: datetime | None = None) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()))
    return int(result.rowcount or 0)


def remove_for_resident(resident_id: uuid.UUID) -> None:
    """Erasure: nothing about the resident stays in anyone's inbox."""
    db.session.execute(delete(Notification).where(Notification.resident_id == resident_id))
