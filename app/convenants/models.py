from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.organizations.models import Organization


class Convenant(db.Model):
    """One version of a samenwerkingsconvenant: what a party signs. A new text is a new
    version; the parties of a version join and leave on dates."""

    __tablename__ = "convenants"
    __table_args__ = (UniqueConstraint("title", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)  # markdown, as signed
    text_sha256: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]  # the last day in force
    # Per processing activity (purpose), the data categories the parties may share for it.
    activities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parties: Mapped[list[ConvenantParty]] = relationship(
        back_populates="convenant", order_by="ConvenantParty.joined_on")


class ConvenantParty(db.Model):
    __tablename__ = "convenant_parties"
    __table_args__ = (UniqueConstraint("convenant_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("convenants.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")  # the privacy contact (FG)
    legal_bases: Mapped[dict[str, Any]] = mapped_column(default=dict)  # purpose -> basis
    joined_on: Mapped[date]
    left_on: Mapped[date | None]  # the first day it no longer receives
    # When the handovers that relied on its membership were withdrawn after it left.
    left_processed_at: Mapped[datetime | None]

    convenant: Mapped[Convenant] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()
