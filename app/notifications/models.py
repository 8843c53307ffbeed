from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import db, enum_column, utcnow


class NotificationKind(StrEnum):
    HANDOVER_OFFERED = "handover_offered"  # to the receiving organisation
    HANDOVER_ACCEPTED = "handover_accepted"  # to the case's coach, and so on
    HANDOVER_DECLINED = "handover_declined"
    INTRO_SCHEDULED = "intro_scheduled"
    INTRO_RESCHEDULED = "intro_rescheduled"
    INTRO_HELD = "intro_held"
    HELP_STARTED = "help_started"
    HANDOVER_WITHDRAWN = "handover_withdrawn"  # to the receiving organisation
    HANDOVER_ESCALATED = "handover_escalated"  # to the coordinators
    RESPONSE_REMINDER = "response_reminder"  # an offer unanswered for 3 working days
    INTRO_OVERDUE = "intro_overdue"  # an introduction's date passed without being recorded
    CONSENT_EXPIRING = "consent_expiring"  # 30 days before a consent ends
    CHECKIN_DUE = "checkin_due"  # staying in touch after help started
    # From the resident's own page, to their coach (and, for a consent, its recipient).
    CONSENT_WITHDRAWN_BY_RESIDENT = "consent_withdrawn_by_resident"
    RESIDENT_MESSAGE = "resident_message"
    RESIDENT_ACCESS_ACTIVATED = "resident_access_activated"


class Notification(db.Model):
    """One thing a user should hear about. It holds no free text and no resident data: the
    page composes what it says from its kind and the object, as the reader may see it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 40))
    handover_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("handovers.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"))
    # Whom it concerns, so that erasure removes it with the resident's other data.
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
