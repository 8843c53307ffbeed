from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.organizations.models import Organization

if TYPE_CHECKING:
    from app.auth.models import User
    from app.buildings.models import Building


class FundingStream(db.Model):
    """Money from one funder for a period. The funder is an organisation of the register
    (the municipality, a housing corporation) or, when it is not one, a named funder (a
    fund): exactly one of the two."""

    __tablename__ = "funding_streams"
    object_type = "funding_stream"  # how logs name it (not a column)
    __table_args__ = (
        CheckConstraint("(funder_organization_id IS NULL) <> (funder_name = '')",
                        name="one_funder"),
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("budget_euros IS NULL OR budget_euros >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True)
    funder_name: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day funded
    budget_euros: Mapped[int | None]
    # The help themes (app.cases.models.HELP_THEMES) whose support it funds; [] for none.
    themes: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    funder_organization: Mapped[Organization | None] = relationship()
    deployments: Mapped[list[FundedDeployment]] = relationship(
        back_populates="stream", cascade="all, delete-orphan",
        order_by="FundedDeployment.starts_on, FundedDeployment.id")
    activities: Mapped[list[ActivityFunding]] = relationship(
        back_populates="stream", cascade="all, delete-orphan")

    @property
    def funder(self) -> str:
        if self.funder_organization is not None:
            return self.funder_organization.name
        return self.funder_name


class FundedDeployment(db.Model):
    """A coach assignment tagged with a stream: the stream pays for this flatcoach's work in
    this building from `starts_on` up to and including `ends_on`. Kept when the coach is
    later unassigned, so an account of a past period still counts it."""

    __tablename__ = "funded_deployments"
    __table_args__ = (
        UniqueConstraint("stream_id", "coach_id", "building_id"),
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("funding_streams.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    stream: Mapped[FundingStream] = relationship(back_populates="deployments")
    coach: Mapped[User] = relationship()
    building: Mapped[Building] = relationship()


class ActivityFunding(db.Model):
    """A Buurtkamer activity tagged with a stream that pays for it."""

    __tablename__ = "activity_funding"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("funding_streams.id"), primary_key=True,
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    stream: Mapped[FundingStream] = relationship(back_populates="activities")
