from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buildings.models import Dwelling
from app.db import db, utcnow


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
