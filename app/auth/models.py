from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.permissions import Permission, Role, has_permission
from app.db import db, enum_column, utcnow

if TYPE_CHECKING:
    from app.organizations.models import Organization


def new_session_nonce() -> str:
    return secrets.token_hex(8)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a resident's own account: they sign in with the number on their letter.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # Set exactly for the role resident: whose records this account may see.
    # (Residents name the user who registered them: this key is left out of the order in
    # which tables are created and emptied, as the other direction comes first.)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("residents.id", use_alter=True), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Changing the nonce ends every web session of the user at once (deactivation, reset).
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A work number for colleagues to call (validated as a Dutch number); staff data.
    phone: Mapped[str | None] = mapped_column(String(30))
    # The language the user chose for the pages (`nl`, `en`); None: the default.
    locale: Mapped[str | None] = mapped_column(String(5))

    organization: Mapped[Organization | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_nonce}"

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed-login counters per account and per address, shared by every worker."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
