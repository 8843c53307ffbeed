"""The samenwerkingsconvenant: the agreement under which organisations share residents' data.

Consent is necessary but not enough. A disclosure to an organisation is AVG-proof only when
that organisation is, on that day, a party to a convenant in force that covers the purpose
and every category shared. The convenants themselves are kept by the privacy officer (the
application stores them); this module holds their facts and the one rule that reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from policies.reasons import Gap, Reason


@dataclass(frozen=True, slots=True)
class ConvenantParty:
    organization_id: str
    joined_on: date
    left_on: date | None = None  # the first day it no longer receives
    role: str = ""
    contact: str = ""
    legal_bases: Mapping[str, str] = field(default_factory=dict)  # purpose -> legal basis

    def party_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True, slots=True)
class ConvenantFacts:
    id: str
    title: str
    version: str
    valid_from: date
    valid_until: date | None  # the last day in force; None: until further notice
    # Per processing activity (purpose), the data categories the parties may share for it.
    activities: Mapping[str, frozenset[str]]
    parties: tuple[ConvenantParty, ...] = ()

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def party(self, organization_id: str) -> ConvenantParty | None:
        return next((p for p in self.parties if p.organization_id == organization_id), None)

    @property
    def name(self) -> str:
        return f"{self.title} (versie {self.version})"


@dataclass(frozen=True, slots=True)
class ConvenantCover:
    """The convenant a disclosure relies on, or why none covers it."""

    convenant: ConvenantFacts | None
    gaps: tuple[Gap | str, ...] = ()

    @property
    def covered(self) -> bool:
        return self.convenant is not None


def convenant_cover(convenants: Iterable[ConvenantFacts], organization_id: str, purpose: str,
                    categories: Iterable[str], day: date) -> ConvenantCover:
    """Whether `organization_id` may receive `categories` for `purpose` on `day` under a
    convenant; when several do, the one that stays in force longest (then the newest version)."""
    wanted = frozenset(categories)
    best: ConvenantFacts | None = None
    gaps: list[Gap] = []
    for convenant in convenants:
        problem = _why_not(convenant, organization_id, purpose, wanted, day)
        if problem is None:
            continue  # a convenant about others, or about other work
        if problem:
            gaps.append(problem)
            continue
        if best is None or _rank(convenant) > _rank(best):
            best = convenant
    if best is not None:
        return ConvenantCover(best)
    if not gaps:
        gaps.append(Gap(Reason.NO_CONVENANT, f"organisation {organization_id} is not a party to "
                        f"any convenant covering purpose {purpose}"))
    return ConvenantCover(None, tuple(gaps))


def _why_not(convenant: ConvenantFacts, organization_id: str, purpose: str,
             wanted: frozenset[str], day: date) -> Gap | str | None:
    """"" when the convenant covers the disclosure, why not when it concerns it, None when it
    does not concern the organisation or the purpose at all."""
    party = convenant.party(organization_id)
    if party is None or purpose not in convenant.activities:
        return None
    name = convenant.name
    if not convenant.in_force_on(day):
        ended = convenant.valid_until is not None and day > convenant.valid_until
        return (Gap(Reason.CONVENANT_ENDED, f"{name} ended on {convenant.valid_until.isoformat()}")
                if ended else Gap(Reason.CONVENANT_NOT_YET,
                                  f"{name} is in force from {convenant.valid_from.isoformat()}"))
    if not party.party_on(day):
        if party.left_on is not None and day >= party.left_on:
            return Gap(Reason.PARTY_LEFT, f"organisation {organization_id} left {name} on "
                       f"{party.left_on.isoformat()}")
        return Gap(Reason.PARTY_NOT_YET, f"organisation {organization_id} joins {name} on "
                   f"{party.joined_on.isoformat()}")
    outside = sorted(wanted - convenant.activities[purpose])
    if outside:
        return Gap(Reason.CONVENANT_CATEGORIES,
                   f"{name} does not allow categories {', '.join(outside)} for purpose {purpose}",
                   outside)
    return ""


def _rank(convenant: ConvenantFacts) -> tuple[Any, ...]:
    return (convenant.valid_until or date.max, convenant.version, convenant.id)
