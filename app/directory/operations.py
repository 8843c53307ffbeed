"""The sociale kaart's use cases: import an HSDS document, export the directory, record a
Buurtpad organisation's identifiers, and find the service a handover names.

An import adds and updates records by their HSDS ids; it never removes one. Each record is
checked on its own and reported (imported, updated, or skipped and why); a record whose
parent was skipped is skipped too. Everything happens in the caller's one transaction: the
caller commits the whole import, or — for a dry run, or a strict import with a skipped
record — rolls it all back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, tuple_

from app.audit.operations import record_event
from app.db import db, utcnow
from app.directory import hsds
from app.directory.models import (
    OrganizationIdentifier,
    PartnerLocation,
    PartnerOrganization,
    PartnerService,
    PartnerServiceAtLocation,
)
from app.errors import Refused

MODELS: dict[str, Any] = {"organization": PartnerOrganization, "service": PartnerService,
                          "location": PartnerLocation,
                          "service_at_location": PartnerServiceAtLocation}
# Tables kept as lists on their parent: (parent model, the list, the field naming the parent)
EMBEDDED = {"organization_identifier": (PartnerOrganization, "identifiers", "organization_id"),
            "address": (PartnerLocation, "addresses", "location_id")}
# For each table: the fields that name another record, and that record's table.
PARENTS = {
    "organization_identifier": (("organization_id", "organization"),),
    "service": (("organization_id", "organization"),),
    "location": (("organization_id", "organization"),),
    "address": (("location_id", "location"),),
    "service_at_location": (("service_id", "service"), ("location_id", "location")),
}


@dataclass
class Outcome:
    record: str
    index: int
    id: str | None
    status: str  # imported | updated | skipped
    reason: str | None = None
    organization_id: int | None = None  # organisations: the Buurtpad organisation linked

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "index": self.index, "id": self.id,
                "status": self.status, "reason": self.reason,
                "organization_id": self.organization_id}


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    def as_dict(self) -> dict[str, Any]:
        return {"committed": self.committed, "imported": self.count("imported"),
                "updated": self.count("updated"), "skipped": self.skipped,
                "ignored": dict(self.ignored),
                "records": [outcome.as_dict() for outcome in self.outcomes]}


def import_document(actor: Any, document: Any) -> ImportReport:
    """Import an HSDS document into the directory (flushed, not committed). Raises
    `hsds.NotAnHsdsDocument` when it is not one at all."""
    read = hsds.read_document(document)
    report = ImportReport(ignored=read.ignored)
    known: dict[str, set[uuid.UUID]] = {table: set() for table in hsds.TABLES}
    touched: set[uuid.UUID] = set()
    now = utcnow()
    for table in hsds.TABLES:
        seen: set[uuid.UUID] = set()
        for record in read.records[table]:
            values, reason = hsds.load_record(record)
            if values is not None:
                reason = _problem(table, values, seen, known)
            if values is None or reason is not None:
                report.outcomes.append(Outcome(table, record.index, record.given_id,
                                               "skipped", reason))
                continue
            seen.add(values["id"])
            known[table].add(values["id"])
            created = _store(table, values, now)
            if table in ("organization", "organization_identifier"):
                touched.add(values["id"] if table == "organization"
                            else values["organization_id"])
            report.outcomes.append(Outcome(table, record.index, str(values["id"]),
                                           "imported" if created else "updated"))
        db.session.flush()  # the next table's records find these as their parents
    links = link_partners(touched)
    for outcome in report.outcomes:
        if outcome.record == "organization" and outcome.status != "skipped":
            outcome.organization_id = links.get(uuid.UUID(outcome.id or ""))
            if outcome.organization_id is None:
                outcome.reason = _("Not linked to a Buurtpad organisation: none has one of its "
                                   "identifiers.")
    record_event("directory_imported", actor=actor, details={
        "imported": report.count("imported"), "updated": report.count("updated"),
        "skipped": report.skipped})
    return report


def _problem(table: str, values: Mapping[str, Any], seen: set[uuid.UUID],
             known: dict[str, set[uuid.UUID]]) -> str | None:
    """Why a well-formed record cannot be imported: a second record with its id, or a
    parent that is neither in this document (imported) nor in the directory."""
    if values["id"] in seen:
        return _("Another %(table)s record has the same id.", table=table)
    for name, parent in PARENTS.get(table, ()):
        parent_id = values.get(name)
        if parent_id is None or parent_id in known[parent]:
            continue
        if db.session.get(MODELS[parent], parent_id) is None:
            return _("%(field)s names no %(table)s of this document or of the directory.",
                     field=name, table=parent)
    return None


def _store(table: str, values: Mapping[str, Any], now: Any) -> bool:
    """Add or update one record; True when it is new."""
    if table in EMBEDDED:
        model, attribute, parent_field = EMBEDDED[table]
        parent = db.session.get(model, values[parent_field])
        kept = {name: str(value) if isinstance(value, uuid.UUID) else value
                for name, value in values.items() if value is not None}
        items = list(getattr(parent, attribute) or [])
        new = all(item.get("id") != kept["id"] for item in items)
        items = [item for item in items if item.get("id") != kept["id"]] + [kept]
        setattr(parent, attribute, sorted(items, key=lambda item: item["id"]))
        return new
    model = MODELS[table]
    row = db.session.get(model, values["id"])
    created = row is None
    if created:
        row = model(id=values["id"])
        db.session.add(row)
    # A record is whole: a field it leaves out is empty now.
    for name in hsds.EXPORT_FIELDS[table]:
        if name != "id":
            setattr(row, COLUMN.get(name, name), values.get(name))
    row.imported_at = now
    return created


# HSDS names a record's organisation `organization_id`; here that is the partner organisation.
COLUMN = {"organization_id": "partner_organization_id"}


def _values(table: str, row: Any) -> dict[str, Any]:
    return {name: getattr(row, COLUMN.get(name, name)) for name in hsds.EXPORT_FIELDS[table]}


# --- matching partner organisations to Buurtpad's ---------------------------------------------

def link_partners(partner_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int | None]:
    """Link each partner organisation to the one Buurtpad organisation that holds one of its
    identifiers (by scheme and identifier). With none, or with several, a link made before is
    kept. Returns each one's link."""
    links: dict[uuid.UUID, int | None] = {}
    for partner_id in partner_ids:
        partner = db.session.get(PartnerOrganization, partner_id)
        if partner is None:
            continue
        pairs = {(item.get("identifier_scheme") or "", item["identifier"])
                 for item in partner.identifiers or []}
        matches = set(db.session.execute(
            select(OrganizationIdentifier.organization_id).where(
                tuple_(OrganizationIdentifier.scheme, OrganizationIdentifier.identifier)
                .in_(sorted(pairs)))).scalars()) if pairs else set()
        if len(matches) == 1:
            partner.organization_id = matches.pop()
        links[partner.id] = partner.organization_id
    return links


def set_identifiers(actor: Any, organization: Any,
                    identifiers: Iterable[Mapping[str, str]]) -> list[OrganizationIdentifier]:
    """Replace a Buurtpad organisation's identifiers and link the partner organisations that
    carry one of them."""
    wanted = {(item["scheme"], item["identifier"]) for item in identifiers}
    current = list(db.session.execute(select(OrganizationIdentifier).where(
        OrganizationIdentifier.organization_id == organization.id)).scalars())
    for row in current:
        if (row.scheme, row.identifier) not in wanted:
            db.session.delete(row)
    have = {(row.scheme, row.identifier) for row in current}
    for scheme, identifier in sorted(wanted - have):
        db.session.add(OrganizationIdentifier(organization_id=organization.id, scheme=scheme,
                                              identifier=identifier))
    db.session.flush()
    partners = [partner.id for partner in db.session.execute(select(PartnerOrganization))
                .scalars() if {(i.get("identifier_scheme") or "", i["identifier"])
                               for i in partner.identifiers or []} & wanted]
    link_partners(partners)
    record_event("organization_identifiers_set", actor=actor, object_type="organization",
                 object_id=organization.id,
                 details={"identifiers": [f"{s}:{i}" for s, i in sorted(wanted)]})
    return identifiers_of(organization.id)


def identifiers_taken_elsewhere(wanted: set[tuple[str, str]],
                                organization_id: int) -> list[tuple[str, str]]:
    """Of `wanted` (scheme, identifier) pairs, those another organisation holds."""
    if not wanted:
        return []
    return [(row.scheme, row.identifier) for row in db.session.execute(select(
        OrganizationIdentifier.scheme, OrganizationIdentifier.identifier).where(
        tuple_(OrganizationIdentifier.scheme, OrganizationIdentifier.identifier).in_(
            sorted(wanted)), OrganizationIdentifier.organization_id != organization_id))]


def identifiers_of(organization_id: int) -> list[OrganizationIdentifier]:
    return list(db.session.execute(select(OrganizationIdentifier).where(
        OrganizationIdentifier.organization_id == organization_id).order_by(
        OrganizationIdentifier.scheme, OrganizationIdentifier.identifier)).scalars())


# --- exporting -------------------------------------------------------------------------------

def export_document() -> dict[str, list[dict[str, Any]]]:
    """The whole directory as an HSDS tabular JSON document."""
    partners = db.session.execute(select(PartnerOrganization).order_by(
        PartnerOrganization.name, PartnerOrganization.id)).scalars().all()
    services = db.session.execute(select(PartnerService).order_by(
        PartnerService.name, PartnerService.id)).scalars().all()
    locations = db.session.execute(select(PartnerLocation).order_by(
        PartnerLocation.name, PartnerLocation.id)).scalars().all()
    at_locations = db.session.execute(select(PartnerServiceAtLocation).order_by(
        PartnerServiceAtLocation.id)).scalars().all()
    return {
        "organization": [hsds.record_out("organization", _values("organization", p))
                         for p in partners],
        "organization_identifier": [
            hsds.record_out("organization_identifier", {**item, "organization_id": p.id})
            for p in partners for item in p.identifiers or []],
        "service": [hsds.record_out("service", _values("service", s)) for s in services],
        "location": [hsds.record_out("location", _values("location", loc))
                     for loc in locations],
        "address": [hsds.record_out("address", {**item, "location_id": loc.id})
                    for loc in locations for item in loc.addresses or []],
        "service_at_location": [hsds.record_out("service_at_location",
                                                _values("service_at_location", sal))
                                for sal in at_locations],
    }


# --- the service a handover names -------------------------------------------------------------

class ServiceNotOffered(Refused):
    """The service (or location) named for a handover is not offered there."""


def service_for_handover(organization_id: int, service_id: uuid.UUID | None,
                         location_id: uuid.UUID | None
                         ) -> tuple[PartnerService | None, PartnerLocation | None]:
    """The service (and location) a handover to `organization_id` is offered to: a service
    of a partner organisation linked to it, still active, and a location where it is
    offered. Raises ServiceNotOffered naming the field otherwise."""
    if service_id is None:
        if location_id is not None:
            raise ServiceNotOffered(message=_("Name the service offered there too."),
                                    field="location_id")
        return None, None
    service = db.session.get(PartnerService, service_id)
    if service is None or service.partner.organization_id != organization_id:
        raise ServiceNotOffered(message=_("This organisation offers no such service in "
                                          "the sociale kaart."), field="service_id")
    if service.status != "active":
        raise ServiceNotOffered(message=_("This service is not active."), field="service_id")
    if location_id is None:
        return service, None
    at = next((sal for sal in service.at_locations if sal.location_id == location_id), None)
    if at is None:
        raise ServiceNotOffered(message=_("The service is not offered at that "
                                          "location."), field="location_id")
    return service, at.location


def services_query(organization_id: int | None = None) -> Any:
    """Services of partner organisations linked to a Buurtpad organisation, by name."""
    query = (select(PartnerService).join(PartnerService.partner)
             .where(PartnerOrganization.organization_id.is_not(None)))
    if organization_id is not None:
        query = query.where(PartnerOrganization.organization_id == organization_id)
    return query.order_by(PartnerOrganization.name, PartnerService.name, PartnerService.id)
