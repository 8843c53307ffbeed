from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, utcnow


class ChainHead(db.Model):
    """The last entry of each hash-chained log; appends lock this row to serialise."""

    __tablename__ = "log_chain_heads"

    log_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(db.Model):
    """Transitions, logins and administrative changes; append-only, hash-chained."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event_type: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(String(30))
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    CHAIN = "audit_events"
    HASHED_FIELDS = (
        "seq",
        "occurred_at",
        "event_type",
        "actor_id",
        "actor_role",
        "object_type",
        "object_id",
        "details",
        "request_id",
    )
