"""Consent as the policy sees it: facts about one consent, its states and their DPV terms.

A consent's scope never changes: one resident, one purpose (a processing activity), one
recipient — an organisation, or (to put residents in touch) another resident — a set of
data categories and an end date. Only a consent in
state `given` whose `valid_until` lies in the future is valid.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType


class ConsentState(StrEnum):
    REQUESTED = "requested"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REVOKED = "revoked"  # by the privacy officer: recorded in error, never valid


# W3C Data Privacy Vocabulary consent statuses (https://w3id.org/dpv#).
DPV_CONSENT_STATUS: Mapping[ConsentState, str] = MappingProxyType({
    ConsentState.REQUESTED: "dpv:ConsentRequested",
    ConsentState.GIVEN: "dpv:ConsentGiven",
    ConsentState.REFUSED: "dpv:ConsentRefused",
    ConsentState.WITHDRAWN: "dpv:ConsentWithdrawn",
    ConsentState.EXPIRED: "dpv:ConsentExpired",
    ConsentState.REVOKED: "dpv:ConsentInvalidated",
})

DEFAULT_VALIDITY_MONTHS = 12


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    id: str
    resident_id: str
    state: str
    purpose: str
    recipient_organization_id: str | None
    categories: frozenset[str]
    valid_until: datetime  # timezone-aware; the consent is valid strictly before this moment
    # Set instead of the organisation when the recipient is another resident.
    recipient_resident_id: str | None = None

    def __post_init__(self) -> None:
        # Coverage is a subset test; a list from the database layer would not support it.
        if not isinstance(self.categories, frozenset):
            object.__setattr__(self, "categories", frozenset(self.categories))

    def is_valid_at(self, now: datetime) -> bool:
        return is_valid(self.state, self.valid_until, now)


def is_valid(state: str, valid_until: datetime, now: datetime) -> bool:
    """The rule: a consent is valid while it is given and `now` lies before its end."""
    return state == ConsentState.GIVEN and now < valid_until


def can_still_be_given(valid_until: datetime, now: datetime) -> bool:
    """A consent whose validity has already ended cannot be given: ask for a new one."""
    return now < valid_until


def default_valid_until(start: datetime) -> datetime:
    """The default end of a new consent: twelve calendar months after `start`.

    A day that the target month lacks becomes its last day (29 February → 28 February).
    """
    months = start.month - 1 + DEFAULT_VALIDITY_MONTHS
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
