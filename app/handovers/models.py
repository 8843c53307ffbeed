from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.db import db, enum_column, utcnow
from app.directory.models import PartnerLocation, PartnerService
from app.directory.reading import service_label
from app.insight.dialect import Dialect
from app.lifecycle.subject import WorkflowSubject
from app.organizations.models import Organization
from policies import ReviewStatus
from workflows import HANDOVER
from workflows.handover import HANDOVER_ACTIVE_STATES, SAFETY_DISCLOSURE_STATES


class Handover(WorkflowSubject, db.Model):
    """A warm handover: a referral that completes only through a joint introduction."""

    __tablename__ = "handovers"
    workflow = HANDOVER
    object_type = "handover"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    data_categories: Mapped[list[str]] = mapped_column(default=list)
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered_at: Mapped[datetime | None]
    # Timers: due dates live here; `workflows tick` acts on them once.
    response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    escalated_at: Mapped[datetime | None]
    # Before the escalation, the receiving organisation is reminded once.
    response_reminder_due_at: Mapped[datetime | None] = mapped_column(index=True)
    response_reminded_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]
    intro_at: Mapped[datetime | None]
    intro_place: Mapped[str | None] = mapped_column(String(200))
    intro_reminder_due_at: Mapped[datetime | None] = mapped_column(index=True)
    intro_reminded_at: Mapped[datetime | None]
    intro_held_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(Text)
    # Why the receiving organisation declined: one of workflows.handover.DECLINE_REASONS.
    decline_reason: Mapped[str | None] = mapped_column(String(30))
    # The declined or withdrawn handover this one offers to another organisation.
    reoffered_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("handovers.id"))
    # The partner service (and where) it is offered to, from the sociale kaart; optional.
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partner_services.id"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partner_locations.id"))

    case: Mapped[Case] = relationship(back_populates="handovers")
    organization: Mapped[Organization] = relationship()
    service: Mapped[PartnerService | None] = relationship()
    location: Mapped[PartnerLocation | None] = relationship()

    @property
    def active(self) -> bool:
        return self.state in HANDOVER_ACTIVE_STATES

    @property
    def before_offer(self) -> bool:
        """Not offered yet: the moment a share without consent (safety) can be made."""
        return self.state in SAFETY_DISCLOSURE_STATES

    @property
    def anonymised(self) -> bool:
        return self.case.anonymised

    @property
    def service_label(self) -> str | None:
        """The service offered to, and where, in a few words (None when none is named)."""
        return service_label(self.service, self.location)


# The spans of a handover that neighbourhood insight counts and takes percentiles of.
LEAD_TIME_STAGES = (  # stage, from, to
    ("offer_to_accept", "offered_at", "accepted_at"),
    ("accept_to_intro", "accepted_at", "intro_held_at"),
    ("intro_to_completed", "intro_held_at", "completed_at"),
    ("offer_to_completed", "offered_at", "completed_at"),
)
FIRST_ANSWER_MOMENTS = ("offered_at", "accepted_at", "declined_at")


def lead_time_spans(seconds_between: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """stage -> the handover's span through it in seconds (NULL until it went through)."""
    return {stage: seconds_between(getattr(Handover, start), getattr(Handover, end))
            for stage, start, end in LEAD_TIME_STAGES}


def first_answer_span(seconds_between: Callable[[Any, Any], Any]) -> Any:
    """From the offer to the receiving organisation's first answer (accepted or declined), in
    seconds (NULL until it answered)."""
    return seconds_between(Handover.offered_at,
                           func.coalesce(Handover.accepted_at, Handover.declined_at))


# PostgreSQL: each of those spans in an index, written as the queries write them: a
# percentile reads the spans of one bucket from it, in order, from an offset on
# (`app.insight.spans`). The moments a span is worked out from, and the offer (the period),
# are in the index too, so it is read alone.
_SECONDS = Dialect("postgresql").seconds_between
_SPANS = lead_time_spans(_SECONDS)
for _stage, _start, _end in LEAD_TIME_STAGES:
    Index(f"ix_handovers_{_stage}", _SPANS[_stage],
          postgresql_include=list(dict.fromkeys(["offered_at", _start, _end]))
          ).ddl_if(dialect="postgresql")
for _name, _columns in (("first_answer", [first_answer_span(_SECONDS)]),
                        ("organization_first_answer",
                         [Handover.organization_id, first_answer_span(_SECONDS)])):
    Index(f"ix_handovers_{_name}", *_columns,
          postgresql_include=list(FIRST_ANSWER_MOMENTS)).ddl_if(dialect="postgresql")


class SafetyDisclosure(db.Model):
    """A share without consent on grounds of safety, justified in writing and reviewed."""

    __tablename__ = "safety_disclosures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handovers.id"), index=True)
    justification: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(30))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus),
                                                        default=ReviewStatus.PENDING, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    finding: Mapped[str | None] = mapped_column(Text)

    handover: Mapped[Handover] = relationship()


class AlertKind(StrEnum):
    ESCALATION = "escalation"
    INTRO_REMINDER = "intro_reminder"


class Alert(db.Model):
    """What a timer raised: escalations for coordinators, reminders for the coach."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handovers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    # A coordinator's "opgelost", with what was done (erased with the resident's data).
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    handover: Mapped[Handover] = relationship()
