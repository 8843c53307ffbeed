from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, enum_column, utcnow


class SyncKind(StrEnum):
    VISIT = "visit"
    RESIDENT = "resident"


class SyncReceipt(db.Model):
    """A recording from a phone that was applied: its client id (made on the phone) is the
    idempotency key, so sending it again changes nothing. Names what it made (a visit or a
    resident) and when it was recorded at the door and received."""

    __tablename__ = "sync_receipts"

    client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[SyncKind] = mapped_column(enum_column(SyncKind, 20))
    # No foreign key: a resident merged into another goes, the receipt stays.
    object_id: Mapped[uuid.UUID]
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
