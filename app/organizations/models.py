from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, enum_column, utcnow


class OrganizationKind(StrEnum):
    BUURTTEAM = "buurtteam"
    SCHULDHULP = "schuldhulp"
    WELZIJN = "welzijn"
    WONINGCORPORATIE = "woningcorporatie"
    GEMEENTE = "gemeente"
    GGZ = "ggz"
    JONGERENWERK = "jongerenwerk"
    OTHER = "other"


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.kind}>"
