from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buildings.models import Dwelling
from app.db import db, enum_column, utcnow


class Resident(db.Model):
    """A person living in a dwelling. Pseudonymous id; there is no BSN field, ever."""

    __tablename__ = "residents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwellings.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    birth_year: Mapped[int | None]
    phone: Mapped[str | None] = mapped_column(String(30))
    languages: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    anonymised_at: Mapped[datetime | None]
    # Set by a privacy officer when data must be kept (e.g. a legal procedure): erasure waits.
    legal_hold_reason: Mapped[str | None] = mapped_column(String(500))

    dwelling: Mapped[Dwelling] = relationship()


class DuplicateState(StrEnum):
    OPEN = "open"
    MERGED = "merged"  # one person: the newer registration was merged into the existing one
    KEPT = "kept"  # two people who happen to have similar names


class PossibleDuplicate(db.Model):
    """A resident registered at a dwelling where a resident with a similar name lives already
    (online or synced from a phone): flagged for the coach, who merges the two or keeps them
    apart. Never merged by itself; both decisions are logged commands
    (`app.residents.duplicates`)."""

    __tablename__ = "possible_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwellings.id"), index=True)
    # The newer registration; None once it was merged into the existing resident.
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"), index=True)
    existing_resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"),
                                                            index=True)
    state: Mapped[DuplicateState] = mapped_column(enum_column(DuplicateState),
                                                  default=DuplicateState.OPEN)
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    existing_resident: Mapped[Resident] = relationship(foreign_keys=[existing_resident_id])
