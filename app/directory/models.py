"""The sociale kaart: partner organisations, their services and where they offer them, as
the Open Referral Human Services Data Specification (HSDS 3.0) describes them.

Records keep their HSDS ids, so a later import of the same source updates them. A partner
organisation is linked to a Buurtpad organisation when one of its identifiers (a KvK number,
say) is one that Buurtpad knows for that organisation (`OrganizationIdentifier`): a handover
to that organisation may then name one of its services.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.organizations.models import Organization


class OrganizationIdentifier(db.Model):
    """An identifier of a Buurtpad organisation in a public scheme (HSDS
    `identifier_scheme`, e.g. NL-KVK): how imported partner organisations are matched."""

    __tablename__ = "organization_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(60))
    identifier: Mapped[str] = mapped_column(String(100))

    organization: Mapped[Organization] = relationship()


class PartnerOrganization(db.Model):
    """An HSDS organization."""

    __tablename__ = "partner_organizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    # HSDS organization_identifier records: [{id, identifier_scheme, identifier_type, identifier}]
    identifiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    services: Mapped[list[PartnerService]] = relationship(back_populates="partner",
                                                          order_by="PartnerService.name")


class PartnerService(db.Model):
    """An HSDS service of a partner organisation."""

    __tablename__ = "partner_services"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    partner_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partner_organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[PartnerOrganization] = relationship(back_populates="services")
    at_locations: Mapped[list[PartnerServiceAtLocation]] = relationship(
        back_populates="service")


class PartnerLocation(db.Model):
    """An HSDS location: where services are offered (a place, a postal address, online)."""

    __tablename__ = "partner_locations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    location_type: Mapped[str] = mapped_column(String(10))
    partner_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_organizations.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # HSDS address records: [{id, address_1, city, postal_code, country, address_type, …}]
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerServiceAtLocation(db.Model):
    """An HSDS service_at_location: a service offered at a location."""

    __tablename__ = "partner_service_at_locations"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_services.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_locations.id"),
                                                   index=True)
    description: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    service: Mapped[PartnerService] = relationship(back_populates="at_locations")
    location: Mapped[PartnerLocation] = relationship()
