from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow


class ChainHead(db.Model):
    """The last entry of each hash-chained log; appends lock this row to serialise."""

    __tablename__ = "log_chain_heads"

    log_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


NOTE_DIGEST = "_sha256"


class TransitionNote(db.Model):
    """Free text given with a transition (a reason, a place). It may name people, so it is
    kept beside the append-only log, which holds only its SHA-256: erasure can blank the
    text while the chain stays intact and the text, while present, stays verifiable."""

    __tablename__ = "transition_notes"

    event_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    erased_at: Mapped[datetime | None]


class AuditEvent(db.Model):
    """Transitions, logins and administrative changes; append-only, hash-chained."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event_type: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(String(30))
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Transitions: what fired, from which state to which (null for other events).
    trigger: Mapped[str | None] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    notes: Mapped[list[TransitionNote]] = relationship(
        primaryjoin="foreign(TransitionNote.event_seq) == AuditEvent.seq", viewonly=True,
        lazy="selectin",
    )

    @property
    def arguments(self) -> dict[str, Any]:
        """The transition's arguments: structured ones from the chained details, free text
        (reason, place) from its erasable note, blank once erased."""
        result = {k: v for k, v in self.details.items() if not k.endswith(NOTE_DIGEST)}
        result.update({note.name: note.text for note in self.notes})
        return result

    CHAIN = "audit_events"
    HASHED_FIELDS = (
        "seq",
        "occurred_at",
        "event_type",
        "actor_id",
        "actor_role",
        "object_type",
        "object_id",
        "trigger",
        "from_state",
        "to_state",
        "details",
        "request_id",
    )


class ProcessingLogEntry(db.Model):
    """Who processed whose data, under which processing activity and legal basis.

    Fields follow the VNG *Verwerkingenlogging* standard: action, processing activity,
    time, confidentiality, retention, data subject (a pseudonymous id, never a name).
    Append-only and hash-chained like the audit events.
    """

    __tablename__ = "processing_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    processing_activity: Mapped[str] = mapped_column(String(40))
    legal_basis: Mapped[str | None] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(10))
    data_subject_id: Mapped[str | None] = mapped_column(String(36), index=True)
    categories: Mapped[list[str]] = mapped_column(default=list)
    consent_id: Mapped[str | None] = mapped_column(String(36))
    safety_disclosure_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(String(30))
    actor_organization_id: Mapped[int | None]
    recipient_organization_id: Mapped[int | None]
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(64))
    confidentiality: Mapped[str] = mapped_column(String(20))
    retention_days: Mapped[int]
    reasons: Mapped[list[str]] = mapped_column(default=list)
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The W3C trace id of the request (its `traceparent`, or one the server started).
    trace_id: Mapped[str | None] = mapped_column(String(32))
    # The samenwerkingsconvenant (and its version) a disclosure to an organisation relied on.
    convenant_id: Mapped[str | None] = mapped_column(String(36))
    convenant_version: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    CHAIN = "processing_log"
    HASHED_FIELDS = (
        "seq",
        "occurred_at",
        "action",
        "processing_activity",
        "legal_basis",
        "decision",
        "data_subject_id",
        "categories",
        "consent_id",
        "safety_disclosure_id",
        "actor_id",
        "actor_role",
        "actor_organization_id",
        "recipient_organization_id",
        "object_type",
        "object_id",
        "confidentiality",
        "retention_days",
        "reasons",
        "request_id",
    )
    # Hashed only when set, so that entries written before the field existed verify as before.
    HASHED_WHEN_SET = ("trace_id", "convenant_id", "convenant_version")
