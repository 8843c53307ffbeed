"""The processing register (GDPR Art. 30): every processing activity Buurtpad performs.

Each processing-log entry names one of these activities as its purpose; a consent is
given for exactly one of them. Retention is counted in days from the event named in
`retention_starts`; when it ends, the data is anonymised (`flask --app app retention run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from policies.categories import ALL_CATEGORIES, DataCategory, in_order
from policies.errors import UnknownPurpose


class LegalBasis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"

    @property
    def gdpr_article(self) -> str:
        return f"GDPR Art. 6(1)({_ART_6_1_POINT[self]})"

    @property
    def dpv_iri(self) -> str:
        """The basis as a term of DPV's GDPR extension (https://w3id.org/dpv/legal/eu/gdpr#)."""
        return f"eu-gdpr:A6-1-{_ART_6_1_POINT[self]}"


_ART_6_1_POINT = {
    LegalBasis.CONSENT: "a",
    LegalBasis.CONTRACT: "b",
    LegalBasis.LEGAL_OBLIGATION: "c",
    LegalBasis.VITAL_INTEREST: "d",
    LegalBasis.PUBLIC_TASK: "e",
    LegalBasis.LEGITIMATE_INTEREST: "f",
}


class Confidentiality(StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"
    SPECIAL = "special"  # may hold GDPR Art. 9 data


class RetentionStart(StrEnum):
    """The event from which an activity's retention period is counted."""

    RECORDED = "recorded"
    CASE_CLOSED = "case_closed"
    CONSENT_ENDED = "consent_ended"
    REVIEW_CONCLUDED = "review_concluded"
    REQUEST_COMPLETED = "request_completed"
    NOT_STORED = "not_stored"


_RETENTION_START_TEXT = {
    RetentionStart.RECORDED: "after it was recorded",
    RetentionStart.CASE_CLOSED: "after the case is closed",
    RetentionStart.CONSENT_ENDED: "after the consent ends",
    RetentionStart.REVIEW_CONCLUDED: "after the privacy officer concludes the review",
    RetentionStart.REQUEST_COMPLETED: "after the request is completed",
    RetentionStart.NOT_STORED: "",
}


@dataclass(frozen=True, slots=True)
class ProcessingActivity:
    id: str
    name_nl: str
    name_en: str
    purpose: str
    legal_basis: LegalBasis
    categories: frozenset[DataCategory]
    recipients: tuple[str, ...]  # organisation kinds and roles that receive the data
    retention_days: int
    confidentiality: Confidentiality
    description: str
    retention_starts: RetentionStart = RetentionStart.RECORDED
    processing: tuple[str, ...] = ()  # DPV processing operations, e.g. "collect", "disclose"
    # Bases that may stand in for `legal_basis` on an individual record (safety disclosures).
    other_legal_bases: frozenset[LegalBasis] = frozenset()
    # Only counts over groups leave this activity, never one resident's data.
    aggregates_only: bool = False

    @property
    def legal_bases(self) -> frozenset[LegalBasis]:
        return self.other_legal_bases | {self.legal_basis}

    @property
    def retention(self) -> str:
        """The retention period as a sentence for people."""
        if self.retention_starts is RetentionStart.NOT_STORED:
            return "not stored: computed when asked for"
        return f"{self.retention_days} days {_RETENTION_START_TEXT[self.retention_starts]}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_nl": self.name_nl,
            "name_en": self.name_en,
            "purpose": self.purpose,
            "legal_basis": str(self.legal_basis),
            "legal_basis_article": self.legal_basis.gdpr_article,
            "legal_basis_iri": self.legal_basis.dpv_iri,
            "other_legal_bases": sorted(str(basis) for basis in self.other_legal_bases),
            "categories": in_order(self.categories),
            "recipients": list(self.recipients),
            "retention_days": self.retention_days,
            "retention_starts": str(self.retention_starts),
            "retention": self.retention,
            "confidentiality": str(self.confidentiality),
            "processing": list(self.processing),
            "aggregates_only": self.aggregates_only,
            "description": self.description,
        }


_C = DataCategory
_TWO_YEARS = 730
_FIVE_YEARS = 1826

_ACTIVITIES = (
    ProcessingActivity(
        id="outreach_contact",
        name_nl="Outreachend contact (huisbezoek)",
        name_en="Outreach contact (door-knock visit)",
        purpose="Record door-knock conversations so the flatcoach can follow up with "
                "residents and keep in touch over the long term.",
        legal_basis=LegalBasis.CONSENT,
        categories=frozenset({_C.IDENTITY, _C.CONTACT, _C.HOUSEHOLD, _C.LIVING_SITUATION,
                              _C.NOTES}),
        recipients=("flatcoach",),
        retention_days=365,
        confidentiality=Confidentiality.CONFIDENTIAL,
        description="The coach asks at the door whether the conversation may be noted down; "
                    "a visit without a follow-up case is anonymised after one year.",
        processing=("collect", "record", "store", "consult"),
    ),
    ProcessingActivity(
        id="case_support",
        name_nl="Traject en ondersteuning",
        name_en="Case and support",
        purpose="Support a resident from first contact to help: put the help question into "
                "words together and keep track of the resident's path.",
        legal_basis=LegalBasis.CONSENT,
        categories=ALL_CATEGORIES,
        recipients=("flatcoach",),
        retention_days=_TWO_YEARS,
        confidentiality=Confidentiality.SPECIAL,
        retention_starts=RetentionStart.CASE_CLOSED,
        description="Only the coach holding the case works with this data; health data only "
                    "when the resident explicitly agreed to note it.",
        processing=("collect", "record", "store", "consult", "use"),
    ),
    ProcessingActivity(
        id="warm_handover",
        name_nl="Warme overdracht",
        name_en="Warm handover",
        purpose="Introduce the resident, together, to a professional of the buurtteam or a "
                "partner organisation, sharing only the data the resident agreed to share.",
        legal_basis=LegalBasis.CONSENT,
        categories=ALL_CATEGORIES,
        recipients=("buurtteam", "schuldhulp", "welzijn", "woningcorporatie"),
        retention_days=_TWO_YEARS,
        confidentiality=Confidentiality.SPECIAL,
        retention_starts=RetentionStart.CASE_CLOSED,
        description="Consent names the receiving organisation and every shared category; "
                    "access ends the moment that consent stops being valid.",
        processing=("consult", "disclose", "transmit"),
    ),
    ProcessingActivity(
        id="safety_disclosure",
        name_nl="Melding bij onveiligheid (meldcode)",
        name_en="Safety disclosure",
        purpose="Share data without consent when a resident or someone else is in danger, "
                "with a written justification that the privacy officer reviews.",
        legal_basis=LegalBasis.VITAL_INTEREST,
        other_legal_bases=frozenset({LegalBasis.LEGAL_OBLIGATION}),
        categories=ALL_CATEGORIES,
        recipients=("buurtteam", "veilig_thuis", "police", "privacy_officer"),
        retention_days=_FIVE_YEARS,
        confidentiality=Confidentiality.SPECIAL,
        retention_starts=RetentionStart.REVIEW_CONCLUDED,
        description="Basis vital interest (GDPR Art. 6(1)(d)) or a legal obligation such as "
                    "the meldcode huiselijk geweld en kindermishandeling (Art. 6(1)(c)).",
        processing=("consult", "disclose", "transmit"),
    ),
    ProcessingActivity(
        id="resident_connection",
        name_nl="Bewoners met elkaar verbinden",
        name_en="Connecting residents",
        purpose="Put residents in touch with each other and with Buurtkamer activities, "
                "based on what they would like and what they can offer.",
        legal_basis=LegalBasis.CONSENT,
        categories=frozenset({_C.IDENTITY, _C.CONTACT, _C.LIVING_SITUATION}),
        recipients=("resident", "buurtkamer"),
        retention_days=365,
        confidentiality=Confidentiality.NORMAL,
        retention_starts=RetentionStart.CONSENT_ENDED,
        description="Only the resident's name, how to reach them and what they offer or look "
                    "for are shared, and only with their consent.",
        processing=("consult", "disclose"),
    ),
    ProcessingActivity(
        id="neighbourhood_insight",
        name_nl="Buurtinzicht",
        name_en="Neighbourhood insight",
        purpose="Understand what a building or neighbourhood needs, to decide which effort "
                "is needed there.",
        legal_basis=LegalBasis.PUBLIC_TASK,
        # Identity: age bands (from the year of birth) and the languages residents speak.
        categories=frozenset({_C.IDENTITY, _C.HOUSEHOLD, _C.LIVING_SITUATION,
                              _C.HELP_QUESTION}),
        recipients=("coordinator", "flatcoach"),
        retention_days=0,
        confidentiality=Confidentiality.NORMAL,
        retention_starts=RetentionStart.NOT_STORED,
        aggregates_only=True,
        description="Aggregates only, small cells suppressed (policies/small_cells.py): a "
                    "count of 1 to 4 people is hidden, and so is every count it could be "
                    "worked out from; no case content and no individual resident's data ever "
                    "leaves this activity.",
        processing=("aggregate", "anonymise"),
    ),
    ProcessingActivity(
        id="data_subject_request",
        name_nl="Verzoeken van betrokkenen (inzage, verwijdering)",
        name_en="Data subject requests (access, erasure)",
        purpose="Answer a resident's access request (GDPR Art. 15) and erasure request "
                "(Art. 17).",
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        categories=ALL_CATEGORIES,
        recipients=("privacy_officer", "resident"),
        retention_days=_FIVE_YEARS,
        confidentiality=Confidentiality.SPECIAL,
        retention_starts=RetentionStart.REQUEST_COMPLETED,
        description="The privacy officer exports or anonymises a resident's data; the request "
                    "itself is kept as proof that it was answered.",
        processing=("consult", "disclose", "anonymise", "erase"),
    ),
    ProcessingActivity(
        id="accountability",
        name_nl="Verantwoording (toestemmingsbewijs en logboeken)",
        name_en="Accountability (proof of consent and logs)",
        purpose="Prove which consent was given and who processed whose data under which "
                "purpose and basis (GDPR Art. 5(2), 7(1), 30).",
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        categories=frozenset({_C.IDENTITY}),
        recipients=("privacy_officer",),
        retention_days=_FIVE_YEARS,
        confidentiality=Confidentiality.CONFIDENTIAL,
        description="Consent records, the processing log and the audit log hold pseudonymous "
                    "ids and policy terms, not case content; they outlive the case data they "
                    "account for.",
        processing=("record", "store", "consult"),
    ),
)

REGISTER: Mapping[str, ProcessingActivity] = MappingProxyType(
    {activity.id: activity for activity in _ACTIVITIES}
)


def get_activity(purpose: str) -> ProcessingActivity:
    try:
        return REGISTER[purpose]
    except KeyError:
        raise UnknownPurpose(purpose) from None
