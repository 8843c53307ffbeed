"""The disclosure decision word for word: what the processing log keeps and the privacy officer
reads is the decision's reasons, so each reason is asserted as written, not only in part."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from policies import DisclosureRequest, decide
from tests.policies.test_policies_decision import (
    NOW,
    SCHULDHULP,
    consent,
    read_request,
    request,
    safety,
)

UNTIL = (NOW + timedelta(days=30)).isoformat()
COVERS = f"consent consent-1 covers purpose warm_handover for organisation org-buurtteam until {UNTIL}"
PARTY = ("organisation org-buurtteam is a party to convenant convenant-1 (Samenwerkingsconvenant "
         "(versie 1)) for purpose warm_handover")
BY_CONVENANT = {"convenant_id": "convenant-1", "convenant_version": "1"}
NO_CONVENANT = {"convenant_id": None, "convenant_version": None}


def denial(purpose: str, *reasons: str, notes: tuple[str, ...] = ()) -> dict:
    return {"allowed": False, "purpose": purpose, "legal_basis": None, "consent_id": None,
            "safety_disclosure_id": None, "released_categories": [], "withheld_categories": [],
            "reasons": ["denied", *reasons, *notes], "missing": "; ".join(reasons),
            **NO_CONVENANT}


def test_the_time_of_a_decision_must_carry_its_timezone():
    with pytest.raises(ValueError, match="^DisclosureRequest.now must be timezone-aware$"):
        decide(request(consent(), now=datetime(2025, 6, 1, 12)))


def test_a_request_holds_its_consents_as_a_tuple():
    given = consent()
    listed = DisclosureRequest(
        actor_id="coach-1", actor_role="flatcoach", actor_organization_id="org-welzijn",
        action="offer_handover", resident_id="resident-1",
        recipient_organization_id="org-buurtteam", purpose="warm_handover",
        categories=["identity"], now=NOW, consents=[given], reader_resident_ids=["resident-2"],
        convenants=[])
    assert isinstance(listed.consents, tuple) and listed.consents == (given,)
    assert isinstance(listed.convenants, tuple) and listed.convenants == ()
    assert listed.categories == frozenset({"identity"})
    assert listed.reader_resident_ids == frozenset({"resident-2"})


def test_aggregates_never_leave_as_one_residents_data():
    decision = decide(request(purpose="neighbourhood_insight", action="view_insight",
                              categories=frozenset({"household"})))
    assert decision.as_dict() == denial(
        "neighbourhood_insight",
        "purpose neighbourhood_insight releases aggregates only, never an individual "
        "resident's data")


@pytest.mark.parametrize(("action", "reason"), [
    ("export", "export for a data subject access request (GDPR Art. 15)"),
    ("identify_requester", "identifying the data subject of a request"),
])
def test_a_data_subject_request_is_answered_under_a_legal_obligation(action, reason):
    decision = decide(request(purpose="data_subject_request", action=action,
                              actor_role="privacy_officer", recipient_organization_id=None))
    assert decision.as_dict() == {
        "allowed": True, "purpose": "data_subject_request", "legal_basis": "legal_obligation",
        "consent_id": None, "safety_disclosure_id": None,
        "released_categories": ["identity", "contact", "help_question"],
        "withheld_categories": [], "reasons": [reason], "missing": "", **NO_CONVENANT}


def test_only_a_privacy_officer_handles_a_data_subject_request():
    decision = decide(request(purpose="data_subject_request", action="export",
                              recipient_organization_id=None))
    assert decision.as_dict() == denial(
        "data_subject_request",
        "a data subject request is handled only by a privacy officer: identifying the "
        "resident, then an export")


def test_a_safety_disclosure_shares_and_says_why_no_consent_did():
    decision = decide(request(safety_disclosure=safety()))
    assert decision.as_dict() == {
        "allowed": True, "purpose": "warm_handover", "legal_basis": "vital_interest",
        "consent_id": None, "safety_disclosure_id": "safety-1",
        "released_categories": ["identity", "contact", "help_question"],
        "withheld_categories": [],
        "reasons": ["shared under safety disclosure safety-1 (basis vital_interest, review "
                    "pending) because no consent covers it: no consent is recorded for this "
                    "resident", PARTY],
        "missing": "", **BY_CONVENANT}
    two_gaps = decide(request(consent(state="withdrawn"), consent(id="consent-2",
                                                                 state="refused"),
                              safety_disclosure=safety()))
    assert two_gaps.reasons == (
        "shared under safety disclosure safety-1 (basis vital_interest, review pending) "
        "because no consent covers it: consent was refused (consent consent-2); not valid "
        "either: 1 other consent(s) for this purpose and organisation", PARTY)


def test_a_purpose_not_resting_on_consent_needs_a_safety_disclosure():
    decision = decide(request(purpose="safety_disclosure"))
    assert decision.as_dict() == denial(
        "safety_disclosure",
        "purpose safety_disclosure rests on vital_interest, not on consent; only a safety "
        "disclosure can allow sharing",
        notes=("no safety disclosure was made",))


def test_a_safety_disclosure_with_an_unknown_review_status_does_not_share():
    decision = decide(request(safety_disclosure=safety(review_status="lost")))
    assert decision.as_dict() == denial(
        "warm_handover", "no consent is recorded for this resident",
        "safety disclosure has unknown review status 'lost' (safety disclosure safety-1)")


def test_consent_allows_and_names_health_as_explicit():
    both = frozenset({"identity", "health"})
    decision = decide(request(consent(categories=both), categories=both))
    assert decision.as_dict() == {
        "allowed": True, "purpose": "warm_handover", "legal_basis": "consent",
        "consent_id": "consent-1", "safety_disclosure_id": None,
        "released_categories": ["identity", "health"], "withheld_categories": [],
        "reasons": [COVERS, PARTY, "health is shared under explicit consent (GDPR Art. 9(2)(a))"],
        "missing": "", **BY_CONVENANT}


def test_a_partly_covered_handover_is_read_with_the_rest_withheld():
    decision = decide(read_request(consent(categories=frozenset({"identity"}))))
    missing = "consent does not cover categories: contact, help_question (consent consent-1)"
    assert decision.as_dict() == {
        "allowed": True, "purpose": "warm_handover", "legal_basis": "consent",
        "consent_id": "consent-1", "safety_disclosure_id": None,
        "released_categories": ["identity"], "withheld_categories": ["contact", "help_question"],
        "reasons": [COVERS, PARTY, f"withheld: {missing}"], "missing": missing, **BY_CONVENANT}


def test_a_consent_ends_at_its_valid_until():
    decision = decide(request(consent(valid_until=NOW),
                              consent(id="consent-2", state="refused",
                                      valid_until=NOW - timedelta(days=1))))
    assert decision.reasons == (
        "denied", f"consent expired on {NOW.isoformat()} (consent consent-1)",
        "not valid either: 1 other consent(s) for this purpose and organisation",
        "no safety disclosure was made")
    assert decide(request(consent(valid_until=NOW + timedelta(microseconds=1)))).allowed


def test_a_valid_consent_that_lacks_categories_is_the_one_explained():
    decision = decide(request(consent(categories=frozenset({"identity"})),
                              consent(id="consent-2", state="withdrawn",
                                      valid_until=NOW + timedelta(days=60))))
    assert decision.reasons == (
        "denied",
        "consent does not cover categories: contact, help_question (consent consent-1)",
        "no safety disclosure was made")


def test_near_misses_name_only_valid_consents_for_another_recipient():
    decision = decide(request(
        consent(state="withdrawn", recipient_organization_id=SCHULDHULP),
        consent(id="consent-2", recipient_organization_id=SCHULDHULP, valid_until=NOW),
        consent(id="consent-3", recipient_organization_id=SCHULDHULP)))
    assert decision.reasons == (
        "denied", "no consent for purpose warm_handover and organisation org-buurtteam",
        "consent is for organisation org-schuldhulp, not org-buurtteam (consent consent-3)",
        "no safety disclosure was made")


def test_a_handover_is_read_under_the_consent_it_was_offered_under_among_others():
    decision = decide(read_request(consent(id="consent-0"), consent()))
    assert (decision.allowed, decision.consent_id) == (True, "consent-1")
    assert decision.reasons == (COVERS, PARTY)


def test_a_reader_needs_a_recipient_to_be():
    decision = decide(read_request(consent(), recipient_organization_id=None))
    assert decision.as_dict() == denial(
        "warm_handover", "the disclosure names no recipient the reader could be")


def test_nothing_is_disclosed_about_an_erased_resident():
    decision = decide(request(consent(), resident_anonymised=True))
    assert decision.as_dict() == denial(
        "warm_handover",
        "the resident's data has been erased: nothing about them is disclosed any more")


def test_other_invalid_consents_for_the_same_recipient_are_counted():
    decision = decide(request(consent(state="withdrawn"), consent(id="consent-2", state="refused"),
                              consent(id="consent-3", state="requested",
                                      valid_until=NOW + timedelta(days=40))))
    assert decision.reasons == (
        "denied", "consent is requested but not given (consent consent-3)",
        "not valid either: 2 other consent(s) for this purpose and organisation",
        "no safety disclosure was made")


def test_other_invalid_consents_for_the_same_resident_recipient_are_counted():
    def connection(**overrides):
        return consent(purpose="resident_connection", recipient_organization_id=None,
                       recipient_resident_id="resident-2", categories=frozenset({"contact"}),
                       **overrides)

    decision = decide(request(
        connection(state="withdrawn"),
        connection(id="consent-2", state="refused", valid_until=NOW + timedelta(days=40)),
        purpose="resident_connection", recipient_organization_id=None,
        recipient_resident_id="resident-2", categories=frozenset({"contact"})))
    assert decision.reasons == (
        "denied", "consent was refused (consent consent-2)",
        "not valid either: 1 other consent(s) for this purpose and resident")


def test_health_left_out_of_a_consent_is_explained_as_a_special_category():
    decision = decide(request(consent(), categories=frozenset({"identity", "health"})))
    assert decision.reasons == (
        "denied", "consent does not cover categories: health (consent consent-1)",
        "health is a special category (GDPR Art. 9) and is shared only when the consent names "
        "it explicitly (consent consent-1)",
        "no safety disclosure was made")


def test_a_consent_given_but_past_its_end_counts_as_expired_even_if_not_marked():
    decision = decide(request(consent(valid_until=NOW - timedelta(days=1)),
                              consent(id="consent-2", state="expired",
                                      valid_until=NOW - timedelta(days=2))))
    assert decision.reasons[1] == (
        f"consent expired on {(NOW - timedelta(days=1)).isoformat()} (consent consent-1)")
