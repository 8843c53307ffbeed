"""Consent to another resident: the recipient of a disclosure is an organisation or a resident,
and a consent covers only the recipient the disclosure names."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from policies import (
    ConsentEvent,
    ConsentFacts,
    DisclosureRequest,
    Party,
    build_consent_record,
    decide,
    describe_rules,
)
from tests.policy_facts import convenant_of

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FATIMA = "resident-fatima"
HENK = "resident-henk"
ANOUK = "resident-anouk"
BUURTTEAM = "org-buurtteam"
CONTACT_CARD = frozenset({"identity", "contact"})


def consent(**overrides) -> ConsentFacts:
    values = {
        "id": "consent-1",
        "resident_id": FATIMA,
        "state": "given",
        "purpose": "resident_connection",
        "recipient_organization_id": None,
        "recipient_resident_id": HENK,
        "categories": CONTACT_CARD,
        "valid_until": NOW + timedelta(days=365),
    }
    return ConsentFacts(**(values | overrides))


def request(*consents: ConsentFacts, **overrides) -> DisclosureRequest:
    values = {
        "actor_id": "coach-1",
        "actor_role": "flatcoach",
        "actor_organization_id": "org-welzijn",
        "action": "share_contact",
        "resident_id": FATIMA,
        "recipient_organization_id": None,
        "recipient_resident_id": HENK,
        "purpose": "resident_connection",
        "categories": CONTACT_CARD,
        "now": NOW,
        "consents": consents,
        "reader_resident_ids": frozenset({HENK}),  # Henk's coach hands the card over
    }
    return DisclosureRequest(**(values | overrides))


def reasons(decision) -> str:
    return " | ".join(decision.reasons)


def test_a_consent_to_the_named_resident_allows_sharing_the_contact_card():
    decision = decide(request(consent()))

    assert decision.allowed
    assert decision.legal_basis == "consent"
    assert decision.consent_id == "consent-1"
    assert decision.released_categories == CONTACT_CARD
    assert f"for resident {HENK}" in reasons(decision)


def test_a_consent_to_another_resident_does_not_cover():
    decision = decide(request(consent(recipient_resident_id=ANOUK)))

    assert not decision.allowed
    assert f"no consent for purpose resident_connection and resident {HENK}" in decision.missing
    assert f"consent is for resident {ANOUK}, not {HENK} (consent consent-1)" in decision.missing


def test_a_consent_to_an_organisation_never_covers_a_resident():
    to_organisation = consent(recipient_organization_id=BUURTTEAM, recipient_resident_id=None)

    decision = decide(request(to_organisation))

    assert not decision.allowed
    assert (f"consent is for organisation {BUURTTEAM}, not resident {HENK}"
            in decision.missing)


def test_a_consent_to_a_resident_never_covers_an_organisation():
    decision = decide(request(consent(purpose="warm_handover"), purpose="warm_handover",
                              action="offer_handover", recipient_organization_id=BUURTTEAM,
                              recipient_resident_id=None))

    assert not decision.allowed
    assert f"consent is for resident {HENK}, not organisation {BUURTTEAM}" in decision.missing


@pytest.mark.parametrize("state, gap", [
    ("requested", "consent is requested but not given"),
    ("refused", "consent was refused"),
    ("withdrawn", "consent is withdrawn"),
    ("revoked", "consent is revoked (recorded in error)"),
    ("expired", "consent expired on"),
])
def test_only_a_given_consent_covers_and_the_denial_says_why(state, gap):
    decision = decide(request(consent(state=state)))

    assert not decision.allowed
    assert gap in decision.missing


def test_a_denial_to_a_resident_does_not_mention_safety_disclosures():
    decision = decide(request(consent(state="requested")))

    assert decision.reasons == ("denied", "consent is requested but not given (consent consent-1)")


def test_a_consent_past_its_end_does_not_cover():
    decision = decide(request(consent(valid_until=NOW)))

    assert not decision.allowed
    assert "consent expired on" in decision.missing


def test_every_requested_category_must_be_covered():
    decision = decide(request(consent(categories=frozenset({"identity"}))))

    assert not decision.allowed
    assert "consent does not cover categories: contact" in decision.missing


def test_the_consent_must_be_the_residents_own():
    decision = decide(request(consent(resident_id=ANOUK)))

    assert not decision.allowed
    assert decision.missing == "no consent is recorded for this resident"


def test_residents_receive_data_only_for_a_purpose_that_names_them_as_recipients():
    decision = decide(request(consent(purpose="warm_handover"), purpose="warm_handover"))

    assert not decision.allowed
    assert decision.missing == "purpose warm_handover does not disclose to residents"


def test_a_disclosure_names_one_recipient_not_two():
    decision = decide(request(consent(), recipient_organization_id=BUURTTEAM))

    assert not decision.allowed
    assert "one recipient: an organisation or a resident, not both" in decision.missing


def test_several_consents_to_other_residents_are_told_apart():
    to_anouk = consent(id="consent-anouk", recipient_resident_id=ANOUK)
    to_henk = consent(id="consent-henk")

    decision = decide(request(to_anouk, to_henk))

    assert decision.allowed
    assert decision.consent_id == "consent-henk"


def test_organisation_consents_keep_their_meaning_beside_resident_consents():
    to_buurtteam = consent(id="consent-org", purpose="warm_handover",
                           recipient_organization_id=BUURTTEAM, recipient_resident_id=None,
                           categories=frozenset({"identity", "contact", "help_question"}))

    decision = decide(request(consent(), to_buurtteam, action="offer_handover",
                              purpose="warm_handover", recipient_organization_id=BUURTTEAM,
                              recipient_resident_id=None,
                              categories=frozenset({"identity", "help_question"}),
                              convenants=(convenant_of(BUURTTEAM),)))

    assert decision.allowed
    assert decision.consent_id == "consent-org"
    assert f"for organisation {BUURTTEAM}" in reasons(decision)


def test_the_published_rules_name_the_resident_recipient():
    rules = " ".join(describe_rules()["rules"])

    assert "recipient (the organisation, or the other resident" in rules
    assert "names residents as recipients (resident_connection)" in rules


# --- the consent record -----------------------------------------------------------------

CONTROLLER = Party(id="org-welzijn", name="Welzijn Overvecht", kind="welzijn")
GIVEN = ConsentEvent(at=NOW - timedelta(days=1), state="given", actor_role="flatcoach",
                     method="verbal", notice_version="2026-01")


def test_the_record_names_a_resident_recipient_by_pseudonymous_id_only():
    built = build_consent_record(consent(), controller=CONTROLLER,
                                 recipient=Party(id=HENK, name="Henk de Boer", kind="resident"),
                                 events=[GIVEN])

    (purpose,) = built["purposes"]
    assert purpose["purpose_id"] == "resident_connection"
    assert purpose["recipients"] == [{"id": HENK, "id_type": "pseudonymous", "name": None,
                                      "kind": "resident", "role": "recipient"}]
    assert "Henk" not in json.dumps(built)
    assert built["pii_principal_id"] == FATIMA


def test_the_record_refuses_a_recipient_that_is_not_the_consents():
    with pytest.raises(ValueError, match="recipient"):
        build_consent_record(consent(), controller=CONTROLLER,
                             recipient=Party(id=ANOUK, name="", kind="resident"),
                             events=[GIVEN])
    with pytest.raises(ValueError, match="recipient"):
        build_consent_record(consent(), controller=CONTROLLER,
                             recipient=Party(id=BUURTTEAM, name="Buurtteam", kind="buurtteam"),
                             events=[GIVEN])


@pytest.mark.parametrize("reader_residents", [frozenset(), frozenset({FATIMA}),
                                              frozenset({ANOUK})])
def test_only_the_recipient_or_the_coach_who_hands_the_card_over_sees_it(reader_residents):
    decision = decide(request(consent(), reader_resident_ids=reader_residents))

    assert not decision.allowed
    assert decision.released_categories == frozenset()
    assert decision.missing == (f"the reader is not resident {HENK}, nor the coach who passes "
                                "the data on to them")
