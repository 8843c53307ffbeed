"""The demo's samenwerkingsconvenant: the four demo organisations share under one agreement."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.convenants.operations import create_convenant, join
from policies import REGISTER, LegalBasis

TITLE = "Samenwerkingsconvenant Sociaal Renoveren Overvecht"
VERSION = "2026-1"
START = date(2025, 1, 1)
# The work the parties share for: warm handovers, connections between residents (and the
# Buurtkamer), and safety disclosures.
ACTIVITIES = ("warm_handover", "resident_connection", "safety_disclosure")
ROLES = {
    "buurtteam": "Ontvangende partij: hulp en ondersteuning (buurtteam)",
    "schuldhulp": "Ontvangende partij: schuldhulpverlening",
    "welzijn": "Uitvoerder: flatcoaches en Buurtkamer",
    "woningcorporatie": "Ontvangende partij: woningcorporatie",
}

TEXT = """# Samenwerkingsconvenant Sociaal Renoveren Overvecht

## Doel
De partijen werken samen om bewoners van de flats in Overvecht te helpen hun vraag te
stellen en hen met een warme overdracht in contact te brengen met hulp. Zij delen daarvoor
alleen de gegevens die de bewoner zelf heeft toegestaan, voor het doel dat de bewoner kent.

## Afspraken
1. Een partij ontvangt gegevens alleen voor de verwerkingen in dit convenant, en alleen de
   categorieën die per verwerking zijn genoemd.
2. Delen gebeurt op basis van toestemming van de bewoner; zonder toestemming alleen bij een
   veiligheidsmelding, die de privacyfunctionaris toetst.
3. Elke partij heeft een contactpersoon privacy (FG) en meldt datalekken binnen 24 uur.
4. Een partij die uittreedt, ontvangt vanaf de dag van uittreden niets meer; lopende
   overdrachten aan haar worden ingetrokken.
5. Gegevens worden niet langer bewaard dan het verwerkingsregister van Buurtpad noemt.
"""


def create_demo_convenant(organizations: dict[str, Any]) -> Any:
    convenant = create_convenant(
        None, title=TITLE, version=VERSION, text=TEXT, valid_from=START, valid_until=None,
        activities={purpose: REGISTER[purpose].categories for purpose in ACTIVITIES})
    for name, organization in organizations.items():
        kind = str(organization.kind)
        bases = {purpose: str(REGISTER[purpose].legal_basis) for purpose in ACTIVITIES}
        bases["safety_disclosure"] = str(LegalBasis.VITAL_INTEREST)
        join(None, convenant, organization_id=organization.id, joined_on=START,
             role=ROLES.get(kind, "Partij"), contact=f"privacy@{_domain(name)}",
             legal_bases=bases)
    return convenant


def _domain(name: str) -> str:
    return name.lower().replace(" ", "") + ".example"
