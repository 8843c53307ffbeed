from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buildings.models import Dwelling
from app.db import db, enum_column, utcnow


class VisitOutcome(StrEnum):
    NOT_HOME = "not_home"
    TALKED = "talked"
    DECLINED = "declined"
    REVISIT = "revisit"
    VACANT = "vacant"


class Visit(db.Model):
    """One door-knock attempt and its outcome; exists before (and without) any case."""

    __tablename__ = "visits"

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
    notes: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))

    dwelling: Mapped[Dwelling] = relationship()
