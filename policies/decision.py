"""The one decision on every disclosure of a resident's data.

Whenever anyone other than the coach holding the case would see a resident's data — a
handover offered to an organisation, a professional reading it, an export, a contact
shared with another resident — the application asks `decide()` first and writes the
answer to the processing log, allowed or denied. The rules, in the order they are
applied, are `SHARING_RULES`; `describe_rules()` publishes them with the register.

`decide()` is pure: it reads only the facts in the request (consents, safety
disclosure, the clock) and the policy data in this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from policies.categories import (
    ALL_CATEGORIES,
    CATEGORY_FIELDS,
    CATEGORY_INFO,
    DataCategory,
    in_order,
    parse_categories,
)
from policies.consent import DEFAULT_VALIDITY_MONTHS, DPV_CONSENT_STATUS, ConsentFacts, ConsentState
from policies.convenant import ConvenantCover, ConvenantFacts, convenant_cover
from policies.reasons import Gap, Reason
from policies.register import REGISTER, LegalBasis, ProcessingActivity
from policies.roles import Role


class Action(StrEnum):
    OFFER_HANDOVER = "offer_handover"  # the coach offers a handover to an organisation
    READ_HANDOVER = "read_handover"  # a professional of that organisation reads it
    EXPORT = "export"  # data leaves Buurtpad as a file
    SHARE_CONTACT = "share_contact"  # contact details go to another resident or the Buurtkamer
    IDENTIFY_REQUESTER = "identify_requester"  # the privacy officer finds the data subject
    VIEW_INSIGHT = "view_insight"  # neighbourhood insight is shown: aggregates, no data subject
    SELF_ACCESS = "self_access"  # the resident reads their own data on their own page


# The actions whose actor is the one who sees the data. For these the reader must be the
# recipient the consent names: a professional of that organisation, or that resident (or the
# coach who hands their contact card over in person). For the others the actor sends data to
# the recipient (an offer) or answers a data subject request.
READER_ACTIONS: frozenset[Action] = frozenset({Action.READ_HANDOVER, Action.SHARE_CONTACT})


class ReviewStatus(StrEnum):
    PENDING = "pending"
    JUSTIFIED = "justified"
    UNJUSTIFIED = "unjustified"


ACCESS_REQUEST_PURPOSE = "data_subject_request"
ACCESS_REQUEST_ROLE = Role.PRIVACY_OFFICER
SELF_ACCESS_ROLE = Role.RESIDENT  # the resident themself, signed in on their own page
RESIDENT_RECIPIENT = "resident"  # in a register entry's recipients: another resident
# The legal bases a share without consent may rest on: the register's own first.
SAFETY_BASES: tuple[LegalBasis, ...] = (
    REGISTER["safety_disclosure"].legal_basis,
    *(basis for basis in LegalBasis if basis in REGISTER["safety_disclosure"].other_legal_bases))

SHARING_RULES: tuple[str, ...] = (
    "Every disclosure of a resident's data to anyone other than the coach holding the case "
    "is decided by this one rule set and logged with its purpose, legal basis and the consent "
    "or safety disclosure it relied on — whether it was allowed or denied.",
    "The purpose must be an activity in the processing register, the action must be known, "
    "and every requested data category must be one that the activity processes.",
    "Neighbourhood insight releases aggregates only, never an individual resident's data.",
    "A data subject request (GDPR Art. 15, 17) is handled only by a privacy officer, under "
    "the legal obligation to answer it: finding the resident shows their identity and "
    "address, the export releases everything held on them; both are logged.",
    "A resident signed in on their own page sees their own data (GDPR Art. 15, under the "
    "same legal obligation), never another resident's: the reader must be the data subject. "
    "Each page they open is logged like any other disclosure.",
    "Nothing about a resident whose data has been erased or anonymised is disclosed any more, "
    "whatever consent or safety disclosure there was; only the privacy officer's answer to a "
    "data subject request still shows what is kept.",
    "Whoever sees the data must be its recipient: a reader of another organisation than the "
    "one the disclosure names, or anyone but the resident it names (or the coach who passes "
    "their contact card on in person), is denied — for every purpose.",
    "A professional reads a resident's data only through a handover offered to their own "
    "organisation, under the consent that handover was offered under (or its safety "
    "disclosure), never under another consent that happens to exist, and not after the "
    "handover was withdrawn or declined.",
    "A resident receives another resident's data only for a purpose whose register entry "
    "names residents as recipients (resident_connection), and a disclosure has one "
    "recipient: an organisation or a resident, never both.",
    "A consent covers a disclosure only while it is in state 'given' and before its "
    "valid_until moment, and only for the same resident, the same purpose, the same "
    "recipient (the organisation, or the other resident, that the disclosure names) and "
    "every requested data category.",
    "Health data (special category, GDPR Art. 9) is shared only under a consent that names "
    "the category 'health' explicitly; no other category implies it.",
    "A disclosure to an organisation also needs a samenwerkingsconvenant: on that day the "
    "organisation is a party to a convenant in force that covers the purpose and every "
    "category shared. Consent is necessary, not enough. A safety disclosure to an "
    "organisation outside the convenant needs the basis legal_obligation.",
    "When several consents cover a disclosure, the one that stays valid longest is used.",
    "Only the requested categories are released (data minimisation); a professional reading "
    "a handover receives only those of its categories that a valid consent still covers.",
    "Without a covering consent, data is shared only under a safety disclosure for that "
    "recipient organisation with basis vital_interest or legal_obligation. It holds while the "
    "privacy officer's review is pending or concluded as justified, and ends when the review "
    "concludes it was unjustified.",
    "Everything else is denied, and the denial states exactly what was missing.",
)

_ACTIONS = frozenset(Action)
_ENDED = Gap(Reason.HANDOVER_ENDED, "the handover was withdrawn or declined: the receiving "
             "organisation no longer reads it")
_GIVEN = ConsentState.GIVEN


@dataclass(frozen=True, slots=True)
class SafetyDisclosureFacts:
    id: str
    legal_basis: str
    review_status: str
    recipient_organization_id: str


@dataclass(frozen=True, slots=True)
class DisclosureRequest:
    actor_id: str
    actor_role: str
    actor_organization_id: str | None
    action: str
    resident_id: str
    recipient_organization_id: str | None
    purpose: str  # a processing activity id
    categories: frozenset[str]
    now: datetime  # timezone-aware
    consents: tuple[ConsentFacts, ...] = ()
    safety_disclosure: SafetyDisclosureFacts | None = None
    # Set instead of the organisation when the data goes to another resident.
    recipient_resident_id: str | None = None
    # The resident's data has been erased or anonymised: their path has ended.
    resident_anonymised: bool = False
    # The residents the reader is, or passes a contact card to in person (their coach).
    reader_resident_ids: frozenset[str] = frozenset()
    # For a read of a handover: the consent it was offered under (None: offered under a
    # safety disclosure) and whether it was withdrawn or declined since.
    offered_under_consent_id: str | None = None
    handover_ended: bool = False
    # The samenwerkingsconvenants with their parties (see policies.convenant).
    convenants: tuple[ConvenantFacts, ...] = ()

    def __post_init__(self) -> None:
        # Callers often hold lists; the decision relies on set algebra and immutability.
        if not isinstance(self.categories, frozenset):
            object.__setattr__(self, "categories", frozenset(self.categories))
        if not isinstance(self.consents, tuple):
            object.__setattr__(self, "consents", tuple(self.consents))
        if not isinstance(self.convenants, tuple):
            object.__setattr__(self, "convenants", tuple(self.convenants))
        if not isinstance(self.reader_resident_ids, frozenset):
            object.__setattr__(self, "reader_resident_ids", frozenset(self.reader_resident_ids))


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    purpose: str
    legal_basis: str | None
    consent_id: str | None
    safety_disclosure_id: str | None
    released_categories: frozenset[DataCategory]
    reasons: tuple[str, ...]
    # What a full disclosure lacked, in one sentence; "" when nothing was missing.
    missing: str = ""
    # Requested but not released (a read of a handover that its consent only partly covers).
    withheld_categories: frozenset[DataCategory] = frozenset()
    # The convenant a disclosure to an organisation relied on.
    convenant_id: str | None = None
    convenant_version: str | None = None

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """Why it was denied or what it withheld, as codes (`policies.reasons`): for a page to
        say in its reader's language; the English `reasons` stay for the log."""
        return tuple(reason for reason in self.reasons if isinstance(reason, Gap))

    @property
    def released_fields(self) -> frozenset[str]:
        return frozenset(field for category in self.released_categories
                         for field in CATEGORY_FIELDS[category])

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the processing log and API answers."""
        return {
            "allowed": self.allowed,
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "consent_id": self.consent_id,
            "safety_disclosure_id": self.safety_disclosure_id,
            "released_categories": in_order(self.released_categories),
            "withheld_categories": in_order(self.withheld_categories),
            "reasons": list(self.reasons),
            "missing": self.missing,
            "convenant_id": self.convenant_id,
            "convenant_version": self.convenant_version,
        }


def decide(request: DisclosureRequest) -> Decision:
    """Decide whether the resident's data may be disclosed as requested, and explain why."""
    now = request.now
    if now.utcoffset() is None:
        raise ValueError("DisclosureRequest.now must be timezone-aware")
    activity = REGISTER.get(request.purpose)
    if (activity is None or request.action not in _ACTIONS or not request.categories
            or not request.categories <= activity.categories):
        return _deny(request, _invalid_request(request, activity))
    requested = parse_categories(request.categories)

    if activity.aggregates_only:
        return _deny(request, [Gap(Reason.AGGREGATES_ONLY,
                                   f"purpose {activity.id} releases aggregates only, "
                                   "never an individual resident's data")])
    if activity.id == ACCESS_REQUEST_PURPOSE:
        return _decide_access_request(request, requested)
    if request.action == Action.SELF_ACCESS:
        return _deny(request, [Gap(Reason.SELF_ACCESS_ONLY,
                                   f"a resident reads their own data as a data subject request "
                                   f"({ACCESS_REQUEST_PURPOSE}), not for purpose {activity.id}")])
    if request.resident_anonymised:
        return _deny(request, [Gap(Reason.RESIDENT_ERASED,
                                   "the resident's data has been erased: nothing about them is "
                                   "disclosed any more")])
    if request.action in READER_ACTIONS and (gap := _reader_gap(request)):
        return _deny(request, [gap])
    if request.recipient_resident_id is not None:
        if request.recipient_organization_id is not None:
            return _deny(request, [Gap(Reason.ONE_RECIPIENT,
                                       "a disclosure has one recipient: an organisation or a "
                                       "resident, not both")])
        if RESIDENT_RECIPIENT not in activity.recipients:
            return _deny(request, [Gap(Reason.NOT_TO_RESIDENTS,
                                       f"purpose {activity.id} does not disclose to residents")])

    ended = ([_ENDED] if request.action == Action.READ_HANDOVER and request.handover_ended
             else [])
    if activity.legal_basis is LegalBasis.CONSENT:
        consent, released = _covering_consent(request, requested)
        if consent is not None and ended:
            return _deny(request, ended)
        cover = _convenant(request, released) if consent is not None else None
        if consent is not None and (cover is None or cover.covered):
            return _allow_by_consent(request, consent, requested, released, cover)
        gaps = (list(cover.gaps) if cover is not None
                else _consent_gaps(request, requested) + ended)
    else:
        gaps = [Gap(Reason.NOT_CONSENT_BASED,
                    f"purpose {activity.id} rests on {activity.legal_basis}, not on consent; "
                    "only a safety disclosure can allow sharing")]

    safety = request.safety_disclosure
    if safety is None and request.recipient_resident_id is not None:
        return _deny(request, gaps)  # safety disclosures go to organisations only
    if safety is None:
        return _deny(request, gaps, Gap(Reason.NO_SAFETY_DISCLOSURE, "no safety disclosure was made"))
    safety_gaps = _safety_gaps(safety, request)
    cover = _convenant(request, requested)
    if (cover is not None and not cover.covered
            and safety.legal_basis != LegalBasis.LEGAL_OBLIGATION):
        safety_gaps.append(Gap(
            Reason.SAFETY_OUTSIDE_CONVENANT,
            f"the recipient is outside the convenant ({'; '.join(cover.gaps)}): "
            f"a safety disclosure to it needs the basis legal_obligation "
            f"(safety disclosure {safety.id})"))
    if safety_gaps or ended:
        return _deny(request, gaps + safety_gaps)
    relied_on = cover.convenant if cover is not None else None
    return Decision(
        allowed=True, purpose=request.purpose, legal_basis=str(safety.legal_basis),
        consent_id=None, safety_disclosure_id=safety.id, released_categories=requested,
        reasons=(f"shared under safety disclosure {safety.id} (basis {safety.legal_basis}, "
                 f"review {safety.review_status}) because no consent covers it: "
                 + "; ".join(gaps),
                 *([_convenant_reason(request, relied_on)] if relied_on else [])),
        convenant_id=relied_on.id if relied_on else None,
        convenant_version=relied_on.version if relied_on else None,
    )


def _reader_gap(request: DisclosureRequest) -> Gap | str:
    """Why the one who would see the data is not the recipient; "" when they are."""
    if request.recipient_resident_id is not None:
        if request.recipient_resident_id in request.reader_resident_ids:
            return ""
        return Gap(Reason.READER_NOT_RECIPIENT,
                   f"the reader is not resident {request.recipient_resident_id}, nor the coach "
                   "who passes the data on to them")
    if (request.recipient_organization_id is not None
            and request.actor_organization_id == request.recipient_organization_id):
        return ""
    if request.recipient_organization_id is None:
        return Gap(Reason.READER_NOT_RECIPIENT,
                   "the disclosure names no recipient the reader could be")
    return Gap(Reason.READER_NOT_RECIPIENT,
               f"the reader's organisation ({request.actor_organization_id}) is not the "
               f"recipient, organisation {request.recipient_organization_id}")


def _invalid_request(request: DisclosureRequest,
                     activity: ProcessingActivity | None) -> list[Gap]:
    problems = []
    if activity is None:
        problems.append(Gap(Reason.INVALID_REQUEST, f"unknown purpose: {request.purpose!r} is "
                            "not in the processing register"))
    if request.action not in _ACTIONS:
        problems.append(Gap(Reason.INVALID_REQUEST, f"unknown action: {request.action!r}"))
    unknown = request.categories - ALL_CATEGORIES
    if unknown:
        problems.append(Gap(Reason.INVALID_REQUEST, f"unknown data categories: {_names(unknown)}"))
    elif not request.categories:
        problems.append(Gap(Reason.INVALID_REQUEST, "no data categories requested"))
    elif activity is not None and not request.categories <= activity.categories:
        problems.append(Gap(Reason.INVALID_REQUEST,
                            f"purpose {activity.id} does not process categories: "
                            f"{_names(request.categories - activity.categories)}"))
    return problems


def _decide_access_request(request: DisclosureRequest,
                           requested: frozenset[DataCategory]) -> Decision:
    if request.action == Action.SELF_ACCESS or request.actor_role == SELF_ACCESS_ROLE:
        return _decide_self_access(request, requested)
    if (request.action not in (Action.EXPORT, Action.IDENTIFY_REQUESTER)
            or request.actor_role != ACCESS_REQUEST_ROLE):
        return _deny(request, [Gap(Reason.PRIVACY_OFFICER_ONLY,
                                   "a data subject request is handled only by a privacy officer: "
                                   "identifying the resident, then an export")])
    return Decision(
        allowed=True, purpose=request.purpose, legal_basis=str(LegalBasis.LEGAL_OBLIGATION),
        consent_id=None, safety_disclosure_id=None, released_categories=requested,
        reasons=(("export for a data subject access request (GDPR Art. 15)"
                  if request.action == Action.EXPORT
                  else "identifying the data subject of a request"),),
    )


def _decide_self_access(request: DisclosureRequest,
                        requested: frozenset[DataCategory]) -> Decision:
    gaps = []
    if request.action != Action.SELF_ACCESS or request.actor_role != SELF_ACCESS_ROLE:
        gaps.append(Gap(Reason.SELF_ACCESS_ONLY, "a resident reads their own data only on "
                        "their own page, signed in as themself"))
    elif request.resident_id not in request.reader_resident_ids:
        gaps.append(Gap(Reason.READER_NOT_RECIPIENT, f"the reader is not resident "
                        f"{request.resident_id}: a resident sees only their own data"))
    elif request.resident_anonymised:
        gaps.append(Gap(Reason.RESIDENT_ERASED, "the resident's data has been erased: nothing "
                        "about them is disclosed any more"))
    if gaps:
        return _deny(request, gaps)
    return Decision(
        allowed=True, purpose=request.purpose, legal_basis=str(LegalBasis.LEGAL_OBLIGATION),
        consent_id=None, safety_disclosure_id=None, released_categories=requested,
        reasons=("the resident reads their own data on their own page (GDPR Art. 15)",),
    )


def _covering_consent(
    request: DisclosureRequest, requested: frozenset[DataCategory],
) -> tuple[ConsentFacts | None, frozenset[DataCategory]]:
    """The consent to rely on and the categories it covers — the hot loop, kept lean."""
    purpose, recipient = request.purpose, request.recipient_organization_id
    recipient_resident = request.recipient_resident_id
    resident, now = request.resident_id, request.now
    partial = request.action == Action.READ_HANDOVER
    # A handover is read under the consent it was offered under, never under another one.
    bound = request.offered_under_consent_id if partial else None
    given = _GIVEN  # a local name: this loop runs for every consent of the resident
    best: ConsentFacts | None = None
    best_covered: frozenset[DataCategory] = frozenset()
    best_rank: tuple[int, datetime, str] | None = None
    for consent in request.consents:
        if partial and consent.id != bound:
            continue
        if (consent.state != given or consent.purpose != purpose
                or consent.recipient_organization_id != recipient
                or consent.recipient_resident_id != recipient_resident
                or consent.resident_id != resident or not now < consent.valid_until):
            continue
        if requested <= consent.categories:
            covered = requested
        elif partial:
            covered = requested & consent.categories
            if not covered:
                continue
        else:
            continue
        # Prefer covering more, then lasting longer; the id only makes the choice repeatable.
        rank = (len(covered), consent.valid_until, consent.id)
        if best_rank is None or rank > best_rank:
            best, best_covered, best_rank = consent, covered, rank
    return best, best_covered


def _convenant(request: DisclosureRequest,
               categories: frozenset[DataCategory]) -> ConvenantCover | None:
    """For a disclosure to an organisation: the convenant that covers it, or why none does;
    None when the recipient is not an organisation."""
    if request.recipient_organization_id is None:
        return None
    return convenant_cover(request.convenants, request.recipient_organization_id,
                           request.purpose, categories, request.now.date())


def _convenant_reason(request: DisclosureRequest, convenant: ConvenantFacts) -> str:
    return (f"organisation {request.recipient_organization_id} is a party to convenant "
            f"{convenant.id} ({convenant.name}) for purpose {request.purpose}")


def _allow_by_consent(request: DisclosureRequest, consent: ConsentFacts,
                      requested: frozenset[DataCategory],
                      released: frozenset[DataCategory],
                      cover: ConvenantCover | None = None) -> Decision:
    reasons = [f"consent {consent.id} covers purpose {request.purpose} for "
               f"{_requested_recipient(request)} until {consent.valid_until.isoformat()}"]
    relied_on = cover.convenant if cover is not None else None
    if relied_on is not None:
        reasons.append(_convenant_reason(request, relied_on))
    if DataCategory.HEALTH in released:
        reasons.append("health is shared under explicit consent (GDPR Art. 9(2)(a))")
    withheld = requested - released
    missing = ""
    if withheld:
        gap = _not_covered(consent, withheld)
        missing = str(gap)
        reasons.append(Gap(gap.code, f"withheld: {missing}", gap.categories))
    return Decision(
        allowed=True, purpose=request.purpose, legal_basis=str(LegalBasis.CONSENT),
        consent_id=consent.id, safety_disclosure_id=None, released_categories=released,
        reasons=tuple(reasons), missing=missing, withheld_categories=withheld,
        convenant_id=relied_on.id if relied_on else None,
        convenant_version=relied_on.version if relied_on else None,
    )


_STATE_GAP = {
    ConsentState.REQUESTED: (Reason.CONSENT_REQUESTED, "consent is requested but not given"),
    ConsentState.REFUSED: (Reason.CONSENT_REFUSED, "consent was refused"),
    ConsentState.WITHDRAWN: (Reason.CONSENT_WITHDRAWN, "consent is withdrawn"),
    ConsentState.REVOKED: (Reason.CONSENT_REVOKED, "consent is revoked (recorded in error)"),
}


def _consent_gaps(request: DisclosureRequest,
                  requested: frozenset[DataCategory]) -> list[Gap]:
    """Why no consent covers the request.

    Consents for this purpose and recipient come first: a valid one names the categories
    it lacks; when none is valid, the one ending last says why it is not. Only otherwise are
    valid consents for another purpose or recipient named, as near misses. Old, invalid
    consents elsewhere are history and are not listed.
    """
    purpose, now = request.purpose, request.now
    organization, resident = request.recipient_organization_id, request.recipient_resident_id
    own = [c for c in request.consents if c.resident_id == request.resident_id]
    if request.action == Action.READ_HANDOVER:
        bound = request.offered_under_consent_id
        if bound is None:
            return [Gap(Reason.NOT_OFFERED_UNDER_CONSENT,
                        "the handover was not offered under a consent")]
        own = [c for c in own if c.id == bound]
        if not own:
            return [Gap(Reason.NOT_OFFERED_UNDER_CONSENT,
                        f"the consent the handover was offered under is not recorded "
                        f"(consent {bound})")]
    if not own:
        return [Gap(Reason.NO_CONSENT, "no consent is recorded for this resident")]
    scoped = [c for c in own if c.purpose == purpose
              and c.recipient_organization_id == organization
              and c.recipient_resident_id == resident]
    valid = [c for c in scoped if c.state == _GIVEN and now < c.valid_until]
    if valid:
        return [gap for consent in valid for gap in _gaps_of(consent, now, requested)]
    if scoped:
        last = max(scoped, key=lambda c: (c.valid_until, c.id))
        gaps = _gaps_of(last, now, requested)
        if len(scoped) > 1:
            noun = "organisation" if resident is None else "resident"
            gaps.append(Gap(Reason.OTHER_CONSENTS_NOT_VALID, "not valid either: "
                            f"{len(scoped) - 1} other consent(s) for this purpose and {noun}"))
        return gaps
    wanted = _requested_recipient(request)
    gaps = [Gap(Reason.NO_CONSENT, f"no consent for purpose {purpose} and {wanted}")]
    for c in own:
        if c.state != _GIVEN or not now < c.valid_until:
            continue
        if c.recipient_organization_id == organization and c.recipient_resident_id == resident:
            gaps.append(Gap(Reason.CONSENT_OTHER_PURPOSE,
                            f"purpose differs: consent is for {c.purpose}, not {purpose} "
                            f"(consent {c.id})"))
        elif c.purpose == purpose:
            asked = wanted
            if (c.recipient_resident_id is None) == (resident is None):
                # The same kind of recipient: "for organisation 7, not 9".
                asked = str(resident or organization)
            theirs = _recipient_text(c.recipient_organization_id, c.recipient_resident_id)
            gaps.append(Gap(Reason.CONSENT_OTHER_RECIPIENT,
                            f"consent is for {theirs}, not {asked} (consent {c.id})"))
    return gaps


def _recipient_text(organization_id: str | None, resident_id: str | None) -> str:
    if resident_id is not None:
        return f"resident {resident_id}"
    return f"organisation {organization_id}"


def _requested_recipient(request: DisclosureRequest) -> str:
    return _recipient_text(request.recipient_organization_id, request.recipient_resident_id)


def _gaps_of(consent: ConsentFacts, now: datetime,
             requested: frozenset[DataCategory]) -> list[Gap]:
    gaps = []
    if consent.state == ConsentState.EXPIRED or (
            consent.state == _GIVEN and not now < consent.valid_until):
        gaps.append(Gap(Reason.CONSENT_EXPIRED, f"consent expired on "
                        f"{consent.valid_until.isoformat()} (consent {consent.id})"))
    elif consent.state != _GIVEN:
        code, gap = _STATE_GAP.get(consent.state, (
            Reason.CONSENT_NOT_VALID, f"consent state {consent.state!r} is not valid"))
        gaps.append(Gap(code, f"{gap} (consent {consent.id})"))
    uncovered = requested - consent.categories
    if uncovered:
        gaps.append(_not_covered(consent, uncovered))
        if DataCategory.HEALTH in uncovered:
            gaps.append(Gap(Reason.HEALTH_NEEDS_EXPLICIT_CONSENT,
                            "health is a special category (GDPR Art. 9) and is shared only when "
                            f"the consent names it explicitly (consent {consent.id})"))
    return gaps


def _not_covered(consent: ConsentFacts, categories: Iterable[str]) -> Gap:
    return Gap(Reason.CATEGORIES_NOT_COVERED, f"consent does not cover categories: "
               f"{_names(categories)} (consent {consent.id})", categories)


def _safety_gaps(safety: SafetyDisclosureFacts, request: DisclosureRequest) -> list[Gap]:
    ref = f"(safety disclosure {safety.id})"
    gaps = []
    if safety.recipient_organization_id != request.recipient_organization_id:
        gaps.append(Gap(Reason.SAFETY_OTHER_ORGANISATION, "safety disclosure is for "
                        f"organisation {safety.recipient_organization_id}, "
                        f"not {request.recipient_organization_id} {ref}"))
    if safety.legal_basis not in SAFETY_BASES:
        gaps.append(Gap(Reason.SAFETY_BASIS, f"safety disclosure basis {safety.legal_basis!r} "
                        f"is not vital_interest or legal_obligation {ref}"))
    if safety.review_status == ReviewStatus.UNJUSTIFIED:
        gaps.append(Gap(Reason.SAFETY_UNJUSTIFIED,
                        f"safety disclosure was reviewed as unjustified {ref}"))
    elif safety.review_status not in (ReviewStatus.PENDING, ReviewStatus.JUSTIFIED):
        gaps.append(Gap(Reason.SAFETY_REVIEW_UNKNOWN, "safety disclosure has unknown review "
                        f"status {safety.review_status!r} {ref}"))
    return gaps


def _deny(request: DisclosureRequest, gaps: Sequence[str], *notes: str) -> Decision:
    return Decision(
        allowed=False, purpose=request.purpose, legal_basis=None, consent_id=None,
        safety_disclosure_id=None, released_categories=frozenset(),
        reasons=("denied", *gaps, *notes), missing="; ".join(gaps),
    )


def _names(categories: Iterable[str]) -> str:
    return ", ".join(in_order(categories))


def describe_rules() -> dict[str, Any]:
    """The register, the data categories and the sharing rules, ready for JSON."""
    return {
        "categories": [
            {
                "id": str(category),
                "label_nl": info.label_nl,
                "label_en": info.label_en,
                "description": info.description,
                "special": info.special,
                "fields": list(CATEGORY_FIELDS[category]),
            }
            for category, info in CATEGORY_INFO.items()
        ],
        "legal_bases": [{"id": str(basis), "gdpr_article": basis.gdpr_article}
                        for basis in LegalBasis],
        "consent": {
            "states": [{"state": str(state), "dpv_status": DPV_CONSENT_STATUS[state],
                        "valid": state is ConsentState.GIVEN} for state in ConsentState],
            "default_validity_months": DEFAULT_VALIDITY_MONTHS,
            "valid_when": "state is 'given' and the current time is before valid_until",
        },
        "safety_disclosure": {
            "legal_bases": sorted(str(basis) for basis in SAFETY_BASES),
            "review_statuses": [str(status) for status in ReviewStatus],
            "shares_while": [str(ReviewStatus.PENDING), str(ReviewStatus.JUSTIFIED)],
        },
        "actions": [str(action) for action in Action],
        "register": [activity.as_dict() for activity in REGISTER.values()],
        "rules": list(SHARING_RULES),
    }
