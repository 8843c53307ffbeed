"""Why a disclosure is denied or limited, as machine codes.

Every gap the decision finds is a `Gap`: the English sentence the processing log keeps
(with the ids a privacy officer needs) and a `Reason` code, with the data categories it is
about. The policy speaks in codes; whoever shows a gap to a coach says it in their language
from the code (the application's pages keep one sentence per code), never from the log's
sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from policies.categories import in_order


class Reason(StrEnum):
    # The request itself
    INVALID_REQUEST = "invalid_request"
    AGGREGATES_ONLY = "aggregates_only"
    PRIVACY_OFFICER_ONLY = "privacy_officer_only"
    SELF_ACCESS_ONLY = "self_access_only"
    RESIDENT_ERASED = "resident_erased"
    READER_NOT_RECIPIENT = "reader_not_recipient"
    ONE_RECIPIENT = "one_recipient"
    NOT_TO_RESIDENTS = "not_to_residents"
    NOT_CONSENT_BASED = "not_consent_based"
    HANDOVER_ENDED = "handover_ended"
    # Consent
    NOT_OFFERED_UNDER_CONSENT = "not_offered_under_consent"
    NO_CONSENT = "no_consent"
    CONSENT_OTHER_PURPOSE = "consent_other_purpose"
    CONSENT_OTHER_RECIPIENT = "consent_other_recipient"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_REFUSED = "consent_refused"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_REVOKED = "consent_revoked"
    CONSENT_NOT_VALID = "consent_not_valid"
    OTHER_CONSENTS_NOT_VALID = "other_consents_not_valid"
    CATEGORIES_NOT_COVERED = "categories_not_covered"
    HEALTH_NEEDS_EXPLICIT_CONSENT = "health_needs_explicit_consent"
    # The samenwerkingsconvenant
    NO_CONVENANT = "no_convenant"
    CONVENANT_ENDED = "convenant_ended"
    CONVENANT_NOT_YET = "convenant_not_yet"
    PARTY_LEFT = "party_left"
    PARTY_NOT_YET = "party_not_yet"
    CONVENANT_CATEGORIES = "convenant_categories"
    # A safety disclosure
    NO_SAFETY_DISCLOSURE = "no_safety_disclosure"
    SAFETY_OTHER_ORGANISATION = "safety_other_organisation"
    SAFETY_BASIS = "safety_basis"
    SAFETY_UNJUSTIFIED = "safety_unjustified"
    SAFETY_REVIEW_UNKNOWN = "safety_review_unknown"
    SAFETY_OUTSIDE_CONVENANT = "safety_outside_convenant"


class Gap(str):
    """One reason, read as its English sentence wherever a string is expected (the
    processing log, the API's message) and carrying its code and the categories it names."""

    code: Reason
    categories: tuple[str, ...]

    def __new__(cls, code: Reason | str, text: str, categories: Iterable[str] = ()) -> Gap:
        gap = super().__new__(cls, text)
        gap.code = Reason(code)
        gap.categories = tuple(in_order(categories))
        return gap

    def __reduce__(self) -> tuple[Any, ...]:
        return (Gap, (self.code, str(self), self.categories))
