"""The directory as the API and the pages show it: a service, its organisation and where it
is offered, in a few words each."""

from __future__ import annotations

from typing import Any

from app.directory.models import PartnerLocation, PartnerService


def address_line(location: PartnerLocation) -> str | None:
    """The location's first address on one line ("Dreef 1, 3561 AB Utrecht")."""
    for address in location.addresses or []:
        street = " ".join(part for part in (address.get("address_1"), address.get("address_2"))
                          if part)
        town = " ".join(part for part in (address.get("postal_code"), address.get("city"))
                        if part)
        return ", ".join(part for part in (street, town) if part) or None
    return None


def location_summary(location: PartnerLocation) -> dict[str, Any]:
    return {"id": location.id, "name": location.name, "location_type": location.location_type,
            "address": address_line(location)}


def service_summary(service: PartnerService) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "description": service.description,
            "status": service.status, "url": service.url,
            "organization_id": service.partner.organization_id,
            "partner_organization": service.partner.name,
            "locations": [location_summary(at.location) for at in sorted(
                service.at_locations, key=lambda at: (at.location.name or "", str(at.id)))]}


def service_label(service: PartnerService | None, location: PartnerLocation | None) -> str | None:
    """"Schuldhulp spreekuur · Buurtkamer Overvecht (Dreef 1, 3561 AB Utrecht)"."""
    if service is None:
        return None
    if location is None:
        return service.name
    place = location.name or address_line(location) or ""
    line = address_line(location) if location.name else None
    return f"{service.name} · {place}" + (f" ({line})" if line else "")
