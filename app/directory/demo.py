"""The demo neighbourhood's sociale kaart: the partners' services in Overvecht, imported as an
HSDS document the way a municipality's directory would deliver it, with the demo
organisations' KvK numbers so that the partners are linked to them."""

from __future__ import annotations

from typing import Any

from app.directory.operations import import_document, set_identifiers

KVK = {"Buurtteam Overvecht": "30123457", "Schuldhulp Utrecht": "41178830",
       "Welzijn Overvecht": "50372914"}


def _organization(uid: str, name: str, description: str, website: str) -> dict[str, Any]:
    return {"id": uid, "name": name, "description": description, "website": website,
            "organization_identifiers": [{
                "id": uid[:-3] + "001", "identifier_scheme": "NL-KVK",
                "identifier_type": "KvK-nummer", "identifier": KVK[name]}]}


def _service(uid: str, organization: str, name: str, description: str,
             *locations: str) -> dict[str, Any]:
    return {"id": uid, "organization_id": organization, "name": name,
            "description": description, "status": "active",
            "service_at_locations": [{"id": f"{uid[:-3]}{i:03d}", "location_id": location}
                                     for i, location in enumerate(locations, start=1)]}


def _location(uid: str, organization: str, name: str, street: str,
              postcode: str) -> dict[str, Any]:
    return {"id": uid, "location_type": "physical", "organization_id": organization,
            "name": name, "addresses": [{
                "id": uid[:-3] + "001", "address_1": street, "city": "Utrecht",
                "state_province": "Utrecht", "postal_code": postcode, "country": "NL",
                "address_type": "physical"}]}


BUURTTEAM = "5d1f0c4e-8b7a-4c21-9e3f-0a1b2c3d1000"
SCHULDHULP = "5d1f0c4e-8b7a-4c21-9e3f-0a1b2c3d2000"
WELZIJN = "5d1f0c4e-8b7a-4c21-9e3f-0a1b2c3d3000"
BUURTKAMER = "6e2a1d5f-9c8b-4d32-8f4a-1b2c3d4e1000"
WIJKBUREAU = "6e2a1d5f-9c8b-4d32-8f4a-1b2c3d4e2000"

SOCIALE_KAART: dict[str, Any] = {
    "organization": [
        _organization(BUURTTEAM, "Buurtteam Overvecht",
                      "Sociaal werkers voor vragen over geld, opvoeden, gezondheid en meedoen.",
                      "https://buurtteams.example/overvecht"),
        _organization(SCHULDHULP, "Schuldhulp Utrecht",
                      "Hulp bij schulden, budgetbeheer en de post.",
                      "https://schuldhulp.example"),
        _organization(WELZIJN, "Welzijn Overvecht",
                      "Flatcoaches, de Buurtkamer en activiteiten met bewoners.",
                      "https://welzijn-overvecht.example"),
    ],
    "location": [
        _location(BUURTKAMER, WELZIJN, "Buurtkamer Tigrisdreef", "Tigrisdreef 2", "3561 JA"),
        _location(WIJKBUREAU, BUURTTEAM, "Wijkbureau Overvecht", "Zamenhofdreef 1", "3562 JT"),
    ],
    "service": [
        _service("7f3b2e6a-ad9c-4e43-9a5b-2c3d4e5f1000", BUURTTEAM, "Spreekuur buurtteam",
                 "Zonder afspraak binnenlopen met een vraag.", WIJKBUREAU, BUURTKAMER),
        _service("7f3b2e6a-ad9c-4e43-9a5b-2c3d4e5f2000", BUURTTEAM, "Opvoedondersteuning",
                 "Gesprekken over opvoeden en opgroeien, thuis of op het wijkbureau.",
                 WIJKBUREAU),
        _service("7f3b2e6a-ad9c-4e43-9a5b-2c3d4e5f3000", SCHULDHULP,
                 "Ondersteuning bij geldzaken",
                 "Samen de post openen, een overzicht maken en afspraken met schuldeisers.",
                 WIJKBUREAU),
        _service("7f3b2e6a-ad9c-4e43-9a5b-2c3d4e5f4000", WELZIJN, "Taalcafé",
                 "Samen Nederlands oefenen, elke woensdagmiddag.", BUURTKAMER),
    ],
}


def create_demo_directory(organizations: dict[str, Any]) -> None:
    """The demo organisations' KvK numbers, then the sociale kaart (linked by them)."""
    for name, number in KVK.items():
        set_identifiers(None, organizations[name], [{"scheme": "NL-KVK", "identifier": number}])
    report = import_document(None, SOCIALE_KAART)
    if report.skipped:  # pragma: no cover - the demo data is fixed; a test holds it
        raise RuntimeError(f"demo sociale kaart: {report.as_dict()}")
