from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow


class Neighbourhood(db.Model):
    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    city: Mapped[str] = mapped_column(String(100))


class Building(db.Model):
    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    floors: Mapped[int]

    neighbourhood: Mapped[Neighbourhood] = relationship()
    dwellings: Mapped[list[Dwelling]] = relationship(
        back_populates="building", order_by="Dwelling.floor, Dwelling.number, Dwelling.addition"
    )


class Dwelling(db.Model):
    __tablename__ = "dwellings"
    __table_args__ = (UniqueConstraint("building_id", "number", "addition", name="uq_dwelling_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    street: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    addition: Mapped[str] = mapped_column(String(10), default="")
    postcode: Mapped[str] = mapped_column(String(7))
    floor: Mapped[int]
    # How many people live here, as last told at the door (demographics, aggregated only).
    household_size: Mapped[int | None]

    building: Mapped[Building] = relationship(back_populates="dwellings")

    @property
    def address(self) -> str:
        suffix = f"-{self.addition}" if self.addition else ""
        return f"{self.street} {self.number}{suffix}"


class CoachAssignment(db.Model):
    """A flatcoach works the buildings assigned to them."""

    __tablename__ = "coach_assignments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
