"""The sociale kaart in the pages' forms: a handover's service, and where it is offered."""

from __future__ import annotations

from app.db import db
from app.directory.models import PartnerService
from app.directory.operations import services_query
from app.directory.reading import service_label

SERVICE_AT = "@"  # a choice's value: the service's id, then where, when a place is chosen

def service_choices() -> list[tuple[str, str]]:
    """Each active service of a linked partner, on its own and at each place it is offered:
    ("<service id>@<location id>", "Schuldhulp Utrecht: Geldzaken · Wijkbureau (…)")."""
    services = db.session.execute(
        services_query().where(PartnerService.status == "active")).scalars().all()
    choices = []
    for service in services:
        prefix = f"{service.partner.name}: "
        choices.append((str(service.id), prefix + service.name))
        for at in sorted(service.at_locations, key=lambda at: at.location.name or ""):
            choices.append((f"{service.id}{SERVICE_AT}{at.location_id}",
                            prefix + (service_label(service, at.location) or "")))
    return choices

