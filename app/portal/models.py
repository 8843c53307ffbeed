from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import db, enum_column, utcnow


class ResidentAccess(db.Model):
    """How a resident gets into their own page. The coach prints a letter with the account's
    number and a one-time activation code (only its SHA-256 is kept, and only until it is
    used); at first use the resident chooses a PIN, kept as the account's argon2id hash on
    `users`. A new letter replaces the old one and unlocks the account; revocation ends it."""

    __tablename__ = "resident_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), unique=True)
    # What the resident types to sign in: digits printed on the letter, not a secret.
    account_number: Mapped[str] = mapped_column(String(12), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None]
    # Wrong codes or PINs in a row; at the limit the account locks until a new letter.
    failures: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class MessageKind(StrEnum):
    MESSAGE = "message"
    CALL_BACK = "call_back"


class ResidentMessage(db.Model):
    """A short message, or a request to be called back, from the resident to their coach."""

    __tablename__ = "resident_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, 20))
    text: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The coach who read it on the resident's access page.
    read_at: Mapped[datetime | None]
