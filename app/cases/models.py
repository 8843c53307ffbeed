from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ForeignKey, String, Text, exists
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, enum_column, utcnow
from app.lifecycle.subject import WorkflowSubject
from app.residents.models import Resident
from workflows import CASE
from workflows.case import HANDOVER_CASE_STATES, NO_MORE_CONTACT

if TYPE_CHECKING:
    from app.handovers.models import Handover


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


HELP_THEMES = (
    "finances",
    "work_income",
    "housing",
    "health",
    "mental_wellbeing",
    "loneliness",
    "safety",
    "youth_parenting",
    "language",
    "daily_administration",
    "neighbours",
)


class Case(WorkflowSubject, db.Model):
    """One resident's path from first contact to help that has started."""

    __tablename__ = "cases"
    workflow = CASE
    object_type = "case"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # What the coach learnt, per data category; shared only as far as consent reaches.
    household_notes: Mapped[str] = mapped_column(Text, default="")
    living_situation_notes: Mapped[str] = mapped_column(Text, default="")
    finances_notes: Mapped[str] = mapped_column(Text, default="")
    health_notes: Mapped[str] = mapped_column(Text, default="")
    safety_notes: Mapped[str] = mapped_column(Text, default="")
    coach_notes: Mapped[str] = mapped_column(Text, default="")
    household_size: Mapped[int | None]

    resident: Mapped[Resident] = relationship()
    help_question: Mapped[HelpQuestion | None] = relationship(back_populates="case",
                                                               uselist=False)
    handovers: Mapped[list[Handover]] = relationship(back_populates="case",
                                                     order_by="Handover.created_at")
    # In no particular order: `app.cases.checkins.in_order` sorts them for reading.
    checkins: Mapped[list[CheckIn]] = relationship(back_populates="case")
    # `no_more_contact(Case)` as it stood when the case was loaded, where the loading query
    # asked for it (`app.cases.scope.case_in_scope`); None otherwise. A plain attribute, not
    # mapped: only what a case's answer shows reads it (`app.cases.schemas`); rules ask
    # `checkins.contact_ended`.
    no_more_contact_when_loaded = None

    @property
    def anonymised(self) -> bool:
        return self.resident.anonymised_at is not None

    @property
    def takes_handovers(self) -> bool:
        """Whether a warm handover can be prepared for it now."""
        return self.state in HANDOVER_CASE_STATES


class HelpQuestion(db.Model):
    """The help question in the resident's own words, written with the resident."""

    __tablename__ = "help_questions"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    themes: Mapped[list[str]] = mapped_column(default=list)
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.NORMAL)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="help_question")

    @property
    def complete(self) -> bool:
        return bool(self.text.strip()) and len(self.themes) >= 1


class CheckIn(db.Model):
    """Staying in touch after help started. A planned check-in has a due date from the
    cadence; once the coach looked in, it holds what came of it. A check-in recorded outside
    the cadence has no due date. A planned one that will not take place any more (the case
    left support, the resident wants no more contact, a later one was recorded) has ended."""

    __tablename__ = "checkins"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    notified_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # One of workflows.case.CHECKIN_OUTCOMES once recorded.
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="checkins")

    @property
    def planned(self) -> bool:
        """Still to come (or come due) and not yet done."""
        return self.due_at is not None and self.recorded_at is None and self.ended_at is None

    def status(self, now: datetime) -> str:
        """done, ended, due (its date has come) or planned."""
        if self.recorded_at is not None:
            return "done"
        if self.ended_at is not None:
            return "ended"
        return "due" if self.due_at is not None and self.due_at <= now else "planned"


def no_more_contact(case: type[Case] | Case) -> ColumnElement[bool]:
    """The resident told the coach they want no more check-ins on the case: for one case, or
    for `Case` itself inside a query over cases."""
    return exists().where(CheckIn.case_id == case.id, CheckIn.outcome == NO_MORE_CONTACT)
