"""A consent as an ISO/IEC TS 27560-style consent record."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from policies import (
    DPV_CONSENT_STATUS,
    ConsentEvent,
    ConsentFacts,
    ConsentState,
    Party,
    UnknownPurpose,
    build_consent_record,
    default_valid_until,
)

REQUESTED_AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
GIVEN_AT = REQUESTED_AT + timedelta(minutes=5)
VALID_UNTIL = datetime(2026, 3, 3, 10, 5, tzinfo=UTC)
CONTROLLER = Party(id="org-welzijn", name="Welzijn Overvecht", kind="welzijn")
BUURTTEAM = Party(id="org-buurtteam", name="Buurtteam Overvecht", kind="buurtteam")

REQUESTED = ConsentEvent(at=REQUESTED_AT, state="requested", actor_role="flatcoach")
GIVEN = ConsentEvent(at=GIVEN_AT, state="given", actor_role="flatcoach", method="verbal",
                     notice_version="2025-01")


def facts(**overrides) -> ConsentFacts:
    values = {"id": "consent-1", "resident_id": "resident-7f3a", "state": "given",
              "purpose": "warm_handover", "recipient_organization_id": "org-buurtteam",
              "categories": frozenset({"help_question", "identity", "contact"}),
              "valid_until": VALID_UNTIL}
    return ConsentFacts(**(values | overrides))


def record(consent: ConsentFacts, *events: ConsentEvent) -> dict:
    return build_consent_record(consent, controller=CONTROLLER, recipient=BUURTTEAM,
                                events=events)


def test_the_record_has_the_27560_shape():
    built = record(facts(), GIVEN, REQUESTED)  # events arrive in any order

    assert json.loads(json.dumps(built)) == built
    assert built["schema_version"] == "ISO/IEC TS 27560:2023"
    assert built["record_id"] == "consent-1"
    assert built["pii_principal_id"] == "resident-7f3a"
    assert built["controller"] == {"id": "org-welzijn", "name": "Welzijn Overvecht",
                                   "role": "PII controller"}
    assert built["consent_status"] == "dpv:ConsentGiven"
    assert built["consent_type"] == "dpv:ExpressedConsent"
    assert built["notice"] == {"version": "2025-01", "language": "nl"}
    assert built["validity"] == {"valid_from": GIVEN_AT.isoformat(),
                                 "valid_until": VALID_UNTIL.isoformat()}


def test_the_purpose_comes_from_the_register():
    (purpose,) = record(facts(), REQUESTED, GIVEN)["purposes"]

    assert purpose["purpose_id"] == "warm_handover"
    assert purpose["lawful_basis"] == "consent"
    assert purpose["lawful_basis_iri"] == "eu-gdpr:A6-1-a"
    assert purpose["special_category_condition"] is None
    assert purpose["processing"] == ["dpv:Consult", "dpv:Disclose", "dpv:Transmit"]
    assert [c["category"] for c in purpose["pii_categories"]] == [
        "identity", "contact", "help_question"]
    assert purpose["recipients"] == [{"id": "org-buurtteam", "name": "Buurtteam Overvecht",
                                      "kind": "buurtteam", "role": "recipient"}]
    assert purpose["retention"]["days"] == 730


def test_the_event_history_is_in_time_order_with_dpv_statuses():
    withdrawn = ConsentEvent(at=GIVEN_AT + timedelta(days=40), state="withdrawn",
                             actor_role="privacy_officer")

    events = record(facts(state="withdrawn"), withdrawn, REQUESTED, GIVEN)["events"]

    assert [(e["state"], e["consent_status"], e["actor_role"]) for e in events] == [
        ("requested", "dpv:ConsentRequested", "flatcoach"),
        ("given", "dpv:ConsentGiven", "flatcoach"),
        ("withdrawn", "dpv:ConsentWithdrawn", "privacy_officer"),
    ]
    assert events[1]["method"] == "verbal"
    assert events[1]["notice_version"] == "2025-01"


@pytest.mark.parametrize(("state", "status"), [
    ("requested", "dpv:ConsentRequested"),
    ("given", "dpv:ConsentGiven"),
    ("refused", "dpv:ConsentRefused"),
    ("withdrawn", "dpv:ConsentWithdrawn"),
    ("expired", "dpv:ConsentExpired"),
    ("revoked", "dpv:ConsentInvalidated"),
])
def test_every_state_has_its_dpv_status(state, status):
    assert DPV_CONSENT_STATUS[ConsentState(state)] == status
    assert record(facts(state=state))["consent_status"] == status


def test_health_makes_it_explicit_consent_under_article_9():
    built = record(facts(categories=frozenset({"identity", "health"})), REQUESTED, GIVEN)

    assert built["consent_type"] == "dpv:ExplicitlyExpressedConsent"
    assert built["purposes"][0]["special_category_condition"] == "eu-gdpr:A9-2-a"
    health = built["purposes"][0]["pii_categories"][1]
    assert health == {"category": "health", "label_en": "Health", "label_nl": "Gezondheid",
                      "special_category": True}


def test_a_requested_consent_has_no_valid_from_yet():
    assert record(facts(state="requested"), REQUESTED)["validity"]["valid_from"] is None


def test_facts_that_do_not_fit_together_are_refused():
    with pytest.raises(ValueError, match="recipient"):
        record(facts(recipient_organization_id="org-schuldhulp"))
    with pytest.raises(ValueError, match="ends in 'given', but the consent is withdrawn"):
        record(facts(state="withdrawn"), REQUESTED, GIVEN)
    with pytest.raises(UnknownPurpose):
        record(facts(purpose="marketing"))
    with pytest.raises(ValueError, match="timezone-aware"):
        record(facts(valid_until=VALID_UNTIL.replace(tzinfo=None)))


@pytest.mark.parametrize(("start", "end"), [
    (datetime(2025, 3, 3, 10, tzinfo=UTC), datetime(2026, 3, 3, 10, tzinfo=UTC)),
    (datetime(2024, 2, 29, 9, tzinfo=UTC), datetime(2025, 2, 28, 9, tzinfo=UTC)),
])
def test_consent_lasts_twelve_calendar_months_by_default(start, end):
    assert default_valid_until(start) == end


@pytest.mark.parametrize(("state", "now", "valid"), [
    ("given", VALID_UNTIL - timedelta(seconds=1), True),
    ("given", VALID_UNTIL, False),
    ("withdrawn", GIVEN_AT, False),
    ("requested", GIVEN_AT, False),
])
def test_a_consent_is_valid_only_when_given_and_before_valid_until(state, now, valid):
    assert facts(state=state).is_valid_at(now) is valid
