"""Policy facts for tests that call the decision directly: a samenwerkingsconvenant in force
that names the given organisations as parties for every activity and every category."""

from __future__ import annotations

from datetime import date

from policies import REGISTER, ConvenantFacts, ConvenantParty


def convenant_of(*organization_ids: str, id: str = "convenant-1", version: str = "1",
                 joined_on: date = date(2020, 1, 1), left_on: date | None = None,
                 valid_until: date | None = None,
                 activities: dict[str, frozenset[str]] | None = None) -> ConvenantFacts:
    return ConvenantFacts(
        id=id, title="Samenwerkingsconvenant", version=version, valid_from=date(2020, 1, 1),
        valid_until=valid_until,
        activities=activities if activities is not None else {
            activity.id: frozenset(activity.categories) for activity in REGISTER.values()},
        parties=tuple(ConvenantParty(organization_id=o, joined_on=joined_on, left_on=left_on)
                      for o in organization_ids))
