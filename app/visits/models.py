from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buildings.models import Dwelling
from app.db import db, enum_column, utcnow
from app.residents.models import Resident


class VisitOutcome(StrEnum):
    NOT_HOME = "not_home"
    TALKED = "talked"
    DECLINED = "declined"
    REVISIT = "revisit"
    VACANT = "vacant"


class Visit(db.Model):
    """One door-knock attempt and its outcome; exists before (and without) any case."""

    __tablename__ = "visits"
    __table_args__ = (
        # Which dwellings had a conversation (door-knock coverage), read from the index alone.
        Index("ix_visits_talked_dwelling_id", "dwelling_id",
              postgresql_where=text("outcome = 'talked'"),
              sqlite_where=text("outcome = 'talked'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwellings.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[VisitOutcome] = mapped_column(enum_column(VisitOutcome))
    themes: Mapped[list[str]] = mapped_column(default=list)
    offers: Mapped[list[str]] = mapped_column(default=list)
    wishes: Mapped[list[str]] = mapped_column(default=list)
    willingness: Mapped[int | None]
    # How many people live at the dwelling, as told at this visit (the latest telling, by
    # time at the door, is the dwelling's household size).
    household_size: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))

    dwelling: Mapped[Dwelling] = relationship()
    resident: Mapped[Resident | None] = relationship()


QUESTIONS = ("themes", "offers", "wishes", "willingness")


class LatestAnswer(db.Model):
    """What a household answered in its latest conversation at the door (the latest visit
    where someone talked, by time and then id): a row per theme, offer and wish it named,
    and one for its willingness ('0' to '3'). Recording a conversation keeps these rows
    (`app.visits.operations`), so neighbourhood insight counts households per answer
    without unpacking the lists of every conversation ever held; each row names the
    dwelling's building too, so the counts per building come from one index in order."""

    __tablename__ = "latest_answers"
    __table_args__ = (
        Index("ix_latest_answers_building_id", "building_id", "question", "answer"),
    )

    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwellings.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(20), primary_key=True)  # one of QUESTIONS
    answer: Mapped[str] = mapped_column(String(100), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
