"""The disclosure decision: one test per sharing rule."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from policies import (
    REGISTER,
    Action,
    ConsentFacts,
    DataCategory,
    DisclosureRequest,
    SafetyDisclosureFacts,
    decide,
    describe_rules,
)
from policies.decision import READER_ACTIONS
from tests.policy_facts import convenant_of

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BUURTTEAM = "org-buurtteam"
SCHULDHULP = "org-schuldhulp"
WELZIJN = "org-welzijn"
HANDOVER_CATEGORIES = frozenset({"identity", "contact", "help_question"})
EVERY_CATEGORY_BUT_HEALTH = frozenset(DataCategory) - {DataCategory.HEALTH}


def consent(**overrides) -> ConsentFacts:
    values = {
        "id": "consent-1",
        "resident_id": "resident-1",
        "state": "given",
        "purpose": "warm_handover",
        "recipient_organization_id": BUURTTEAM,
        "categories": HANDOVER_CATEGORIES,
        "valid_until": NOW + timedelta(days=30),
    }
    return ConsentFacts(**(values | overrides))


def request(*consents: ConsentFacts, **overrides) -> DisclosureRequest:
    values = {
        "actor_id": "coach-1",
        "actor_role": "flatcoach",
        "actor_organization_id": WELZIJN,
        "action": "offer_handover",
        "resident_id": "resident-1",
        "recipient_organization_id": BUURTTEAM,
        "purpose": "warm_handover",
        "categories": HANDOVER_CATEGORIES,
        "now": NOW,
        "consents": consents,
        "convenants": (convenant_of(BUURTTEAM, SCHULDHULP, WELZIJN),),
    }
    return DisclosureRequest(**(values | overrides))


def read_request(*consents: ConsentFacts, **overrides) -> DisclosureRequest:
    reader = {"actor_id": "professional-1", "actor_role": "professional",
              "actor_organization_id": BUURTTEAM, "action": "read_handover",
              "offered_under_consent_id": "consent-1"}
    return request(*consents, **(reader | overrides))


def safety(**overrides) -> SafetyDisclosureFacts:
    values = {"id": "safety-1", "legal_basis": "vital_interest", "review_status": "pending",
              "recipient_organization_id": BUURTTEAM}
    return SafetyDisclosureFacts(**(values | overrides))


def reasons(decision) -> str:
    return " | ".join(decision.reasons)


# --- consent coverage -------------------------------------------------------------------

def test_a_consent_covering_purpose_recipient_and_every_category_allows():
    decision = decide(request(consent()))

    assert decision.allowed
    assert decision.legal_basis == "consent"
    assert decision.consent_id == "consent-1"
    assert decision.safety_disclosure_id is None
    assert decision.released_categories == HANDOVER_CATEGORIES
    assert decision.missing == ""


def test_a_consent_lacking_requested_categories_is_denied_naming_them():
    decision = decide(request(consent(), categories=HANDOVER_CATEGORIES | {"health", "finances"}))

    assert not decision.allowed
    assert decision.released_categories == frozenset()
    assert decision.consent_id is None
    assert "consent does not cover categories: finances, health (consent consent-1)" in (
        decision.missing)


def test_health_is_never_implied_by_other_categories():
    broad = consent(categories=EVERY_CATEGORY_BUT_HEALTH)

    decision = decide(request(broad, categories=frozenset({"identity", "health"})))

    assert not decision.allowed
    assert "consent does not cover categories: health" in decision.missing
    assert "special category (GDPR Art. 9)" in decision.missing


def test_health_is_shared_when_the_consent_names_it_explicitly():
    explicit = consent(categories=frozenset({"identity", "health"}))

    decision = decide(request(explicit, categories=frozenset({"identity", "health"})))

    assert decision.allowed
    assert DataCategory.HEALTH in decision.released_categories
    assert "explicit consent (GDPR Art. 9(2)(a))" in reasons(decision)


def test_a_consent_for_another_purpose_is_denied():
    decision = decide(request(consent(purpose="resident_connection",
                                      categories=frozenset({"identity", "contact"})),
                              categories=frozenset({"identity"})))

    assert not decision.allowed
    assert ("purpose differs: consent is for resident_connection, not warm_handover "
            "(consent consent-1)") in decision.reasons


def test_a_consent_for_another_organisation_is_denied():
    decision = decide(request(consent(recipient_organization_id=SCHULDHULP)))

    assert not decision.allowed
    assert (f"consent is for organisation {SCHULDHULP}, not {BUURTTEAM} (consent consent-1)"
            in decision.reasons)


def test_a_consent_of_another_resident_is_never_used():
    decision = decide(request(consent(resident_id="resident-2")))

    assert not decision.allowed
    assert "no consent is recorded for this resident" in decision.missing


def test_without_any_consent_or_safety_disclosure_sharing_is_denied():
    decision = decide(request())

    assert not decision.allowed
    assert decision.reasons == ("denied", "no consent is recorded for this resident",
                                "no safety disclosure was made")


@pytest.mark.parametrize(("state", "explanation"), [
    ("requested", "consent is requested but not given"),
    ("refused", "consent was refused"),
    ("withdrawn", "consent is withdrawn"),
    ("expired", "consent expired on 2025-07-01T12:00:00+00:00"),
    ("revoked", "consent is revoked (recorded in error)"),
    ("bogus", "consent state 'bogus' is not valid"),
])
def test_only_a_given_consent_counts(state, explanation):
    decision = decide(request(consent(state=state)))

    assert not decision.allowed
    assert f"{explanation} (consent consent-1)" in decision.reasons


def test_a_consent_is_valid_until_the_instant_before_valid_until():
    ends = NOW + timedelta(days=1)

    just_before = decide(request(consent(valid_until=ends), now=ends - timedelta(microseconds=1)))
    at_the_end = decide(request(consent(valid_until=ends), now=ends))

    assert just_before.allowed
    assert not at_the_end.allowed
    assert at_the_end.missing == "consent expired on 2025-06-02T12:00:00+00:00 (consent consent-1)"


def test_without_a_valid_consent_the_one_ending_last_explains_and_older_ones_are_counted():
    older = [consent(id=f"old-{i}", state="withdrawn", valid_until=NOW - timedelta(days=10 + i))
             for i in range(3)]
    last = consent(id="last", valid_until=NOW - timedelta(days=1))

    decision = decide(request(*older, last))

    assert not decision.allowed
    assert decision.reasons[1] == "consent expired on 2025-05-31T12:00:00+00:00 (consent last)"
    assert "not valid either: 3 other consent(s) for this purpose and organisation" in (
        decision.reasons)


# --- choosing among consents, minimisation ----------------------------------------------

def test_of_several_covering_consents_the_one_valid_longest_is_used():
    short = consent(id="short", valid_until=NOW + timedelta(days=10))
    long = consent(id="long", valid_until=NOW + timedelta(days=300))
    longest_but_narrow = consent(id="narrow", categories=frozenset({"identity"}),
                                 valid_until=NOW + timedelta(days=900))
    longest_but_withdrawn = consent(id="withdrawn", state="withdrawn",
                                    valid_until=NOW + timedelta(days=900))
    consents = (short, long, longest_but_narrow, longest_but_withdrawn)

    assert decide(request(*consents)).consent_id == "long"
    assert decide(request(*reversed(consents))).consent_id == "long"


def test_only_the_requested_categories_are_released():
    everything = consent(categories=frozenset(DataCategory))

    decision = decide(request(everything, categories=frozenset({"identity", "contact"})))

    assert decision.released_categories == {DataCategory.IDENTITY, DataCategory.CONTACT}
    assert decision.released_fields == {
        "display_name", "age_band", "phone", "street", "house_number",
        "house_number_addition", "postcode", "building_name",
    }


def test_reading_a_handover_releases_only_what_a_valid_consent_still_covers():
    decision = decide(read_request(consent(), categories=HANDOVER_CATEGORIES | {"health"}))

    assert decision.allowed
    assert decision.consent_id == "consent-1"
    assert decision.released_categories == HANDOVER_CATEGORIES
    assert decision.withheld_categories == {DataCategory.HEALTH}
    assert decision.missing == "consent does not cover categories: health (consent consent-1)"


def test_a_handover_is_read_under_the_consent_it_was_offered_under_and_no_other():
    wide = consent(id="wide", valid_until=NOW + timedelta(days=300))
    narrow = consent(id="narrow", categories=frozenset({"identity"}),
                     valid_until=NOW + timedelta(days=5))

    decision = decide(read_request(narrow, wide, offered_under_consent_id="narrow"))

    assert decision.consent_id == "narrow"
    assert decision.released_categories == {DataCategory.IDENTITY}


@pytest.mark.parametrize("state", ["withdrawn", "revoked", "expired"])
def test_another_consent_for_the_same_organisation_does_not_make_a_handover_readable_again(
        state):
    relied_on = consent(id="relied-on", state=state)
    later = consent(id="later", valid_until=NOW + timedelta(days=300))

    decision = decide(read_request(relied_on, later, offered_under_consent_id="relied-on"))

    assert not decision.allowed
    assert decision.consent_id is None
    assert "later" not in decision.missing


def test_a_handover_offered_under_a_safety_disclosure_is_not_read_under_a_consent():
    decision = decide(read_request(consent(), offered_under_consent_id=None))

    assert not decision.allowed
    assert "the handover was not offered under a consent" in decision.reasons


@pytest.mark.parametrize("with_safety", [False, True])
def test_a_withdrawn_or_declined_handover_is_not_read_whatever_still_covers_it(with_safety):
    consents = () if with_safety else (consent(),)
    decision = decide(read_request(
        *consents, handover_ended=True,
        safety_disclosure=safety(review_status="justified") if with_safety else None))

    assert not decision.allowed
    assert decision.released_categories == frozenset()
    assert ("the handover was withdrawn or declined: the receiving organisation no longer "
            "reads it") in decision.reasons


def test_reading_is_denied_when_no_category_is_covered_any_more():
    decision = decide(read_request(consent(state="withdrawn")))

    assert not decision.allowed
    assert "consent is withdrawn (consent consent-1)" in decision.reasons


def test_a_professional_reads_only_handovers_offered_to_their_own_organisation():
    decision = decide(read_request(consent(), actor_organization_id=SCHULDHULP))

    assert not decision.allowed
    assert decision.missing == ("the reader's organisation (org-schuldhulp) is not the "
                                "recipient, organisation org-buurtteam")


@pytest.mark.parametrize("action", sorted(READER_ACTIONS))
@pytest.mark.parametrize("reader_organization", [SCHULDHULP, WELZIJN, None])
def test_every_reading_action_compares_the_readers_organisation_with_the_recipient(
        action, reader_organization):
    """Whatever the purpose or action, whoever sees the data must be the recipient."""
    purpose = "resident_connection" if action == Action.SHARE_CONTACT else "warm_handover"
    categories = frozenset({"identity"})
    covering = consent(purpose=purpose, categories=categories)
    allowed = decide(read_request(covering, action=action, purpose=purpose,
                                  categories=categories))
    denied = decide(read_request(covering, action=action, purpose=purpose,
                                 categories=categories,
                                 actor_organization_id=reader_organization))

    assert allowed.allowed
    assert not denied.allowed
    assert denied.released_categories == frozenset()
    assert "is not the recipient" in denied.missing


def test_the_one_who_sends_need_not_be_the_recipient():
    """An offer is sent by the coach of another organisation to the recipient."""
    assert decide(request(consent(), actor_organization_id=WELZIJN)).allowed


# --- safety disclosures -----------------------------------------------------------------

@pytest.mark.parametrize("basis", ["vital_interest", "legal_obligation"])
@pytest.mark.parametrize("review_status", ["pending", "justified"])
def test_a_safety_disclosure_allows_sharing_without_consent(basis, review_status):
    disclosure = safety(legal_basis=basis, review_status=review_status)

    decision = decide(request(safety_disclosure=disclosure,
                              categories=frozenset({"identity", "safety"})))

    assert decision.allowed
    assert decision.legal_basis == basis
    assert decision.safety_disclosure_id == "safety-1"
    assert decision.consent_id is None
    assert decision.released_categories == {DataCategory.IDENTITY, DataCategory.SAFETY}


def test_a_safety_disclosure_still_lets_the_recipient_read_while_under_review():
    decision = decide(read_request(consent(state="withdrawn"), safety_disclosure=safety()))

    assert decision.allowed
    assert decision.released_categories == HANDOVER_CATEGORIES


def test_a_safety_disclosure_reviewed_as_unjustified_ends_sharing():
    decision = decide(read_request(safety_disclosure=safety(review_status="unjustified")))

    assert not decision.allowed
    assert "safety disclosure was reviewed as unjustified (safety disclosure safety-1)" in (
        decision.reasons)


def test_a_safety_disclosure_covers_only_its_own_recipient():
    decision = decide(request(safety_disclosure=safety(recipient_organization_id=SCHULDHULP)))

    assert not decision.allowed
    assert f"safety disclosure is for organisation {SCHULDHULP}, not {BUURTTEAM}" in (
        decision.missing)


@pytest.mark.parametrize("basis", ["consent", "legitimate_interest", "public_task"])
def test_a_safety_disclosure_needs_vital_interest_or_legal_obligation(basis):
    decision = decide(request(safety_disclosure=safety(legal_basis=basis)))

    assert not decision.allowed
    assert "is not vital_interest or legal_obligation" in decision.missing


def test_a_covering_consent_is_preferred_over_a_safety_disclosure():
    decision = decide(request(consent(), safety_disclosure=safety()))

    assert decision.legal_basis == "consent"
    assert decision.safety_disclosure_id is None


# --- after erasure ----------------------------------------------------------------------

@pytest.mark.parametrize("made", [
    lambda: request(consent(), resident_anonymised=True),
    lambda: read_request(consent(), resident_anonymised=True),
    lambda: read_request(safety_disclosure=safety(review_status="justified"),
                         resident_anonymised=True),
    lambda: request(consent(purpose="resident_connection", recipient_organization_id=None,
                            recipient_resident_id="resident-2", categories={"identity"}),
                    action="share_contact", purpose="resident_connection",
                    recipient_organization_id=None, recipient_resident_id="resident-2",
                    categories={"identity"}, resident_anonymised=True),
])
def test_nothing_about_an_anonymised_resident_is_disclosed(made):
    decision = decide(made())

    assert not decision.allowed
    assert decision.released_categories == frozenset()
    assert "the resident's data has been erased" in reasons(decision)


def test_the_privacy_officer_still_answers_a_data_subject_request_after_erasure():
    officer = {"actor_role": "privacy_officer", "action": "export",
               "purpose": "data_subject_request", "recipient_organization_id": None,
               "categories": frozenset(DataCategory), "resident_anonymised": True}

    assert decide(request(**officer)).allowed


# --- requests the register does not know ------------------------------------------------

def test_an_unknown_purpose_is_denied():
    decision = decide(request(consent(), purpose="marketing"))

    assert not decision.allowed
    assert "unknown purpose: 'marketing' is not in the processing register" in decision.reasons


def test_an_unknown_category_is_denied():
    decision = decide(request(consent(), categories=frozenset({"identity", "bsn"})))

    assert not decision.allowed
    assert "unknown data categories: bsn" in decision.reasons


def test_an_unknown_action_is_denied():
    decision = decide(request(consent(), action="publish"))

    assert not decision.allowed
    assert "unknown action: 'publish'" in decision.reasons


def test_a_request_for_no_categories_is_denied():
    assert decide(request(consent(), categories=frozenset())).reasons == (
        "denied", "no data categories requested")


def test_categories_outside_the_purpose_are_denied_even_with_consent():
    connection = consent(purpose="resident_connection", categories=frozenset({"identity", "health"}))

    decision = decide(request(connection, purpose="resident_connection", action="share_contact",
                              categories=frozenset({"identity", "health"})))

    assert not decision.allowed
    assert "purpose resident_connection does not process categories: health" in decision.reasons


def test_neighbourhood_insight_never_discloses_a_residents_data():
    decision = decide(request(purpose="neighbourhood_insight", categories=frozenset({"household"})))

    assert not decision.allowed
    assert "aggregates only" in decision.missing


def test_purposes_not_based_on_consent_need_a_safety_disclosure():
    decision = decide(request(consent(purpose="safety_disclosure"), purpose="safety_disclosure"))

    assert not decision.allowed
    assert "rests on vital_interest, not on consent" in decision.missing


def test_an_access_request_export_is_made_by_the_privacy_officer():
    officer = {"actor_role": "privacy_officer", "action": "export",
               "purpose": "data_subject_request", "recipient_organization_id": None,
               "categories": frozenset(DataCategory)}

    allowed = decide(request(**officer))
    by_a_coach = decide(request(**(officer | {"actor_role": "flatcoach"})))

    assert allowed.allowed
    assert allowed.legal_basis == "legal_obligation"
    assert allowed.released_categories == frozenset(DataCategory)
    assert not by_a_coach.allowed


def test_the_clock_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(request(consent(), now=NOW.replace(tzinfo=None)))


def test_lists_are_accepted_where_sets_are_expected():
    listed = consent(categories=["identity", "contact", "help_question"])

    decision = decide(request(*[listed], categories=["identity", "contact"]))

    assert decision.allowed
    assert decision.released_categories == {DataCategory.IDENTITY, DataCategory.CONTACT}


def test_decisions_serialise_for_the_processing_log():
    allowed = decide(read_request(consent(), categories=HANDOVER_CATEGORIES | {"health"}))

    logged = json.loads(json.dumps(allowed.as_dict()))

    assert logged["released_categories"] == ["identity", "contact", "help_question"]
    assert logged["withheld_categories"] == ["health"]
    assert logged["consent_id"] == "consent-1"


# --- many consents (the measured case: 50 consents for one resident) -------------------

def test_decisions_stay_correct_for_a_resident_with_fifty_consents():
    purposes = ("warm_handover", "case_support", "resident_connection")
    organisations = (BUURTTEAM, SCHULDHULP, WELZIJN, "org-4", "org-5")
    consents = tuple(
        consent(id=f"c{i:02d}", state="withdrawn" if i % 7 == 3 else "given",
                purpose=purposes[i % 3], recipient_organization_id=organisations[i % 5],
                categories=HANDOVER_CATEGORIES | ({"health"} if i % 2 else set()),
                valid_until=NOW + timedelta(days=i + 1))
        for i in range(50)
    )
    # warm_handover to the buurtteam: c00, c15, c30, c45 (c45 withdrawn) — c30 lasts longest.
    offer = request(*consents)
    with_health = request(*consents, categories=HANDOVER_CATEGORIES | {"health"})
    elsewhere = request(*consents, recipient_organization_id="org-elsewhere")

    for _ in range(1000):
        assert decide(offer).consent_id == "c30"
        assert decide(with_health).consent_id == "c15"
        assert not decide(elsewhere).allowed


# --- the published rules ----------------------------------------------------------------

def test_the_rules_are_published_as_json():
    rules = json.loads(json.dumps(describe_rules()))

    assert [activity["id"] for activity in rules["register"]] == list(REGISTER)
    assert [category["id"] for category in rules["categories"]] == [str(c) for c in DataCategory]
    assert all(isinstance(rule, str) and rule.endswith(".") for rule in rules["rules"])
    assert {"state": "revoked", "dpv_status": "dpv:ConsentInvalidated", "valid": False} in (
        rules["consent"]["states"])
    assert rules["safety_disclosure"]["legal_bases"] == ["legal_obligation", "vital_interest"]


# --- the resident on their own page -------------------------------------------------------------


def self_access(**overrides) -> DisclosureRequest:
    values = {"actor_id": "resident-user-1", "actor_role": "resident",
              "actor_organization_id": None, "action": "self_access",
              "purpose": "data_subject_request", "recipient_organization_id": None,
              "categories": frozenset({"identity", "help_question"}),
              "reader_resident_ids": frozenset({"resident-1"})}
    return request(**(values | overrides))


def test_a_resident_reads_their_own_data_under_the_legal_obligation():
    decision = decide(self_access())
    assert decision.allowed
    assert decision.legal_basis == "legal_obligation"
    assert decision.released_categories == {DataCategory.IDENTITY, DataCategory.HELP_QUESTION}
    assert decision.consent_id is None and decision.safety_disclosure_id is None
    assert "own page" in reasons(decision)


def test_a_resident_never_reads_another_residents_data():
    decision = decide(self_access(reader_resident_ids=frozenset({"resident-2"})))
    assert not decision.allowed
    assert "the reader is not resident resident-1" in reasons(decision)
    assert not decide(self_access(reader_resident_ids=frozenset())).allowed


@pytest.mark.parametrize("role", ["flatcoach", "professional", "privacy_officer",
                                  "coordinator", "system"])
def test_only_the_resident_reads_on_their_own_page(role):
    decision = decide(self_access(actor_role=role))
    assert not decision.allowed
    assert "signed in as themself" in reasons(decision)


@pytest.mark.parametrize("action", ["export", "identify_requester", "read_handover"])
def test_a_resident_has_no_other_way_to_data_subject_data(action):
    decision = decide(self_access(action=action))
    assert not decision.allowed
    assert "signed in as themself" in reasons(decision)


def test_nothing_is_shown_on_the_own_page_after_erasure():
    decision = decide(self_access(resident_anonymised=True))
    assert not decision.allowed
    assert "erased" in reasons(decision)


def test_the_own_page_is_no_way_around_the_register():
    other_purpose = decide(self_access(purpose="warm_handover",
                                       recipient_organization_id=BUURTTEAM,
                                       consents=(consent(),)))
    assert not other_purpose.allowed
    assert "not for purpose warm_handover" in reasons(other_purpose)
    assert not decide(self_access(categories=frozenset({"no_such_category"}))).allowed
