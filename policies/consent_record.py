"""A consent as an ISO/IEC TS 27560-style consent record (GET /api/v1/consents/{id}/record).

Field names follow the 27560 record structure as profiled by the W3C Data Privacy
Vocabulary (DPV) guide; statuses, legal bases and processing operations are DPV terms.
The resident appears only by pseudonymous id, and so does a recipient who is another
resident (a consent to put two residents in touch). Free-text reasons from the event history are
left out on purpose: they may hold personal data about others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policies.categories import CATEGORY_INFO, DataCategory, parse_categories
from policies.consent import DPV_CONSENT_STATUS, ConsentFacts, ConsentState
from policies.convenant import ConvenantFacts
from policies.register import get_activity

SCHEMA_VERSION = "ISO/IEC TS 27560:2023"
DPV_PROFILE = "https://w3id.org/dpv/schema/iso-27560#record"
PREFIXES = {
    "dpv": "https://w3id.org/dpv#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
}
RESIDENT_KIND = "resident"
WITHDRAWAL_METHOD = (
    "Tell the flatcoach or the privacy officer, in any words; sharing based on this consent "
    "stops at once."
)


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    kind: str | None = None  # organisation kind, e.g. "buurtteam"; "resident" for a resident


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    at: datetime  # timezone-aware
    state: str  # the state the consent entered
    actor_role: str  # "flatcoach", "privacy_officer" or "system"
    method: str | None = None  # "verbal", "written" or "digital", when consent is given
    notice_version: str | None = None  # the privacy notice shown to the resident


def build_consent_record(
    consent: ConsentFacts,
    *,
    controller: Party,
    recipient: Party,
    events: Sequence[ConsentEvent],
    language: str = "nl",
    convenant: ConvenantFacts | None = None,
) -> dict[str, Any]:
    """The consent record for `consent`, with its history; raises PolicyError or ValueError
    when the facts do not fit together."""
    activity = get_activity(consent.purpose)
    categories = parse_categories(consent.categories)
    state = ConsentState(consent.state)
    to_resident = consent.recipient_resident_id is not None
    if recipient.id != (consent.recipient_resident_id if to_resident
                        else consent.recipient_organization_id):
        raise ValueError("the recipient party is not the consent's recipient")
    history = sorted(events, key=lambda event: event.at)
    if history and history[-1].state != state:
        raise ValueError(f"the event history ends in {history[-1].state!r}, "
                         f"but the consent is {state}")
    given_at = next((e.at for e in history if e.state == ConsentState.GIVEN), None)
    notice_version = next((e.notice_version for e in reversed(history) if e.notice_version),
                          None)
    explicit = any(CATEGORY_INFO[category].special for category in categories)
    ordered = [category for category in DataCategory if category in categories]

    return {
        "schema_version": SCHEMA_VERSION,
        "profile": DPV_PROFILE,
        "prefixes": dict(PREFIXES),
        "record_id": consent.id,
        "pii_principal_id": consent.resident_id,
        "pii_principal_id_type": "pseudonymous",
        "controller": {"id": controller.id, "name": controller.name, "role": "PII controller"},
        "state": str(state),
        "consent_status": DPV_CONSENT_STATUS[state],
        # Art. 9 data needs explicit consent, and the record should say which kind it was.
        "consent_type": "dpv:ExplicitlyExpressedConsent" if explicit else "dpv:ExpressedConsent",
        "notice": {"version": notice_version, "language": language},
        "validity": {
            "valid_from": _iso(given_at),
            "valid_until": _iso(consent.valid_until),
        },
        "purposes": [{
            "purpose_id": activity.id,
            "purpose": activity.name_en,
            "purpose_nl": activity.name_nl,
            "description": activity.purpose,
            "lawful_basis": str(activity.legal_basis),
            "lawful_basis_iri": activity.legal_basis.dpv_iri,
            "special_category_condition": "eu-gdpr:A9-2-a" if explicit else None,
            "processing": [f"dpv:{operation.capitalize()}" for operation in activity.processing],
            "pii_categories": [
                {
                    "category": str(category),
                    "label_en": category.label_en,
                    "label_nl": category.label_nl,
                    "special_category": category.special,
                }
                for category in ordered
            ],
            "recipients": [_recipient(recipient, to_resident)],
            "retention": {"days": activity.retention_days,
                          "starts": str(activity.retention_starts),
                          "text": activity.retention},
            "withdrawal_method": WITHDRAWAL_METHOD,
        }],
        # The samenwerkingsconvenant under which an organisation may receive (None: a
        # resident recipient, or no convenant covers the recipient today).
        "convenant": ({"id": convenant.id, "title": convenant.title,
                       "version": convenant.version} if convenant is not None else None),
        "events": [
            {
                "time": _iso(event.at),
                "state": str(ConsentState(event.state)),
                "consent_status": DPV_CONSENT_STATUS[ConsentState(event.state)],
                "actor_role": event.actor_role,
                "method": event.method,
                "notice_version": event.notice_version,
            }
            for event in history
        ],
    }


def _recipient(recipient: Party, to_resident: bool) -> dict[str, Any]:
    if to_resident:
        # Another data subject: named by pseudonymous id only, like the principal.
        return {"id": recipient.id, "id_type": "pseudonymous", "name": None,
                "kind": RESIDENT_KIND, "role": "recipient"}
    return {"id": recipient.id, "name": recipient.name, "kind": recipient.kind,
            "role": "recipient"}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise ValueError("consent record times must be timezone-aware")
    return moment.isoformat()
