from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buildings.models import Building
from app.db import db, utcnow
from app.residents.models import Resident

if TYPE_CHECKING:
    from app.auth.models import User
    from app.consent.models import Consent
    from app.funding.models import ActivityFunding

ACTIVITY_THEMES = (
    "meeting",
    "cooking",
    "language",
    "children",
    "sport",
    "creative",
    "repair",
    "information",
    "green",
    "other",
)


class Activity(db.Model):
    """A Buurtkamer activity: organised by residents or a coach, participation counted.

    Participants are counted, never named; a resident is named as organiser only while
    their consent (purpose `resident_connection`) allows it."""

    __tablename__ = "activities"
    object_type = "activity"  # how logs name it (not a column)
    __table_args__ = (
        CheckConstraint("participant_count IS NULL OR participant_count >= 0",
                        name="participant_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200))
    # The coach who organises it (or helps the residents who do); None when residents alone.
    organising_coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    participant_count: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    building: Mapped[Building] = relationship()
    organising_coach: Mapped[User | None] = relationship(foreign_keys=[organising_coach_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    organisers: Mapped[list[ActivityOrganiser]] = relationship(
        back_populates="activity", cascade="all, delete-orphan")
    # The funding streams that pay for it (tagged by a coordinator, `app.funding`).
    funding: Mapped[list[ActivityFunding]] = relationship(
        "ActivityFunding", viewonly=True, order_by="ActivityFunding.stream_id")


class ActivityOrganiser(db.Model):
    """A resident who organises an activity, named only under the consent linked here."""

    __tablename__ = "activity_organisers"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), primary_key=True,
                                                   index=True)
    consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consents.id"), index=True)

    activity: Mapped[Activity] = relationship(back_populates="organisers")
    resident: Mapped[Resident] = relationship()
    consent: Mapped[Consent] = relationship()
