"""What the policy layer hands out as JSON, field by field: a register entry, a decision,
the published rules and a consent record. Clients and the processing log read these names,
so each one is part of the contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from policies import (
    CATEGORY_FIELDS,
    CATEGORY_INFO,
    ConsentEvent,
    ConsentFacts,
    DataCategory,
    Decision,
    Party,
    UnknownPurpose,
    build_consent_record,
    default_valid_until,
    describe_rules,
    get_activity,
    in_order,
)
from policies.errors import BsnNotAllowed

# --- a register entry -------------------------------------------------------------------------


def test_a_register_entry_serialises_every_field_under_its_own_name():
    activity = get_activity("safety_disclosure")
    assert activity.as_dict() == {
        "id": "safety_disclosure",
        "name_nl": "Melding bij onveiligheid (meldcode)",
        "name_en": "Safety disclosure",
        "purpose": activity.purpose,
        "legal_basis": "vital_interest",
        "legal_basis_article": "GDPR Art. 6(1)(d)",
        "legal_basis_iri": "eu-gdpr:A6-1-d",
        "other_legal_bases": ["legal_obligation"],
        "categories": [str(category) for category in DataCategory],
        "recipients": ["buurtteam", "veilig_thuis", "police", "privacy_officer"],
        "retention_days": 1826,
        "retention_starts": "review_concluded",
        "retention": "1826 days after the privacy officer concludes the review",
        "confidentiality": "special",
        "processing": ["consult", "disclose", "transmit"],
        "aggregates_only": False,
        "description": activity.description,
    }
    assert activity.purpose.startswith("Share data without consent when")
    assert activity.description.startswith("Basis vital interest (GDPR Art. 6(1)(d))")


def test_an_aggregate_only_entry_says_so_and_has_no_other_bases():
    described = get_activity("neighbourhood_insight").as_dict()
    assert described["aggregates_only"] is True
    assert described["other_legal_bases"] == []
    assert described["retention"] == "not stored: computed when asked for"


def test_unknown_categories_sort_after_the_known_ones_by_name():
    assert in_order(["zz_unknown", "notes", "aa_unknown", "identity"]) == [
        "identity", "notes", "aa_unknown", "zz_unknown"]


# --- a decision -------------------------------------------------------------------------------


def test_a_decision_serialises_every_field_under_its_own_name():
    decision = Decision(
        allowed=True, purpose="warm_handover", legal_basis="consent", consent_id="c-1",
        safety_disclosure_id="s-1",
        released_categories=frozenset({DataCategory.HELP_QUESTION, DataCategory.IDENTITY}),
        reasons=("first", "second"), missing="health",
        withheld_categories=frozenset({DataCategory.HEALTH}), convenant_id="v-1",
        convenant_version="2026-1")
    assert decision.as_dict() == {
        "allowed": True,
        "purpose": "warm_handover",
        "legal_basis": "consent",
        "consent_id": "c-1",
        "safety_disclosure_id": "s-1",
        "released_categories": ["identity", "help_question"],
        "withheld_categories": ["health"],
        "reasons": ["first", "second"],
        "missing": "health",
        "convenant_id": "v-1",
        "convenant_version": "2026-1",
    }


# --- the published rules ----------------------------------------------------------------------


def test_the_published_rules_name_every_part():
    rules = json.loads(json.dumps(describe_rules()))
    assert list(rules) == ["categories", "legal_bases", "consent", "safety_disclosure",
                           "actions", "register", "rules"]
    health = next(c for c in rules["categories"] if c["id"] == "health")
    info = CATEGORY_INFO[DataCategory.HEALTH]
    assert health == {"id": "health", "label_nl": info.label_nl, "label_en": info.label_en,
                      "description": info.description, "special": True,
                      "fields": list(CATEGORY_FIELDS[DataCategory.HEALTH])}
    assert rules["legal_bases"][0] == {"id": "consent", "gdpr_article": "GDPR Art. 6(1)(a)"}
    assert rules["consent"]["default_validity_months"] == 12
    assert rules["consent"]["valid_when"] == (
        "state is 'given' and the current time is before valid_until")
    assert {"state": "given", "dpv_status": "dpv:ConsentGiven", "valid": True} in (
        rules["consent"]["states"])
    assert rules["safety_disclosure"] == {
        "legal_bases": ["legal_obligation", "vital_interest"],
        "review_statuses": ["pending", "justified", "unjustified"],
        "shares_while": ["pending", "justified"],
    }
    assert "read_handover" in rules["actions"]
    assert all(isinstance(action, str) for action in rules["actions"])
    assert rules["register"][0] == get_activity("outreach_contact").as_dict()
    assert rules["rules"] and all(isinstance(rule, str) for rule in rules["rules"])


# --- a consent record -------------------------------------------------------------------------

REQUESTED_AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
GIVEN_AT = REQUESTED_AT + timedelta(minutes=5)
VALID_UNTIL = datetime(2026, 3, 3, 10, 5, tzinfo=UTC)
CONTROLLER = Party(id="org-welzijn", name="Welzijn Overvecht", kind="welzijn")
BUURTTEAM = Party(id="org-buurtteam", name="Buurtteam Overvecht", kind="buurtteam")
REQUESTED = ConsentEvent(at=REQUESTED_AT, state="requested", actor_role="flatcoach")
GIVEN = ConsentEvent(at=GIVEN_AT, state="given", actor_role="flatcoach", method="written",
                     notice_version="2025-01")
CONSENT = ConsentFacts(id="consent-1", resident_id="resident-7f3a", state="given",
                       purpose="warm_handover", recipient_organization_id="org-buurtteam",
                       categories=frozenset({"identity"}), valid_until=VALID_UNTIL)


def test_a_consent_record_in_full():
    activity = get_activity("warm_handover")
    built = build_consent_record(CONSENT, controller=CONTROLLER, recipient=BUURTTEAM,
                                 events=[REQUESTED, GIVEN], language="en")
    assert built == {
        "schema_version": "ISO/IEC TS 27560:2023",
        "profile": "https://w3id.org/dpv/schema/iso-27560#record",
        "prefixes": {"dpv": "https://w3id.org/dpv#",
                     "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#"},
        "record_id": "consent-1",
        "pii_principal_id": "resident-7f3a",
        "pii_principal_id_type": "pseudonymous",
        "controller": {"id": "org-welzijn", "name": "Welzijn Overvecht",
                       "role": "PII controller"},
        "state": "given",
        "consent_status": "dpv:ConsentGiven",
        "consent_type": "dpv:ExpressedConsent",
        "notice": {"version": "2025-01", "language": "en"},
        "validity": {"valid_from": "2025-03-03T10:05:00+00:00",
                     "valid_until": "2026-03-03T10:05:00+00:00"},
        "purposes": [{
            "purpose_id": "warm_handover",
            "purpose": "Warm handover",
            "purpose_nl": "Warme overdracht",
            "description": activity.purpose,
            "lawful_basis": "consent",
            "lawful_basis_iri": "eu-gdpr:A6-1-a",
            "special_category_condition": None,
            "processing": ["dpv:Consult", "dpv:Disclose", "dpv:Transmit"],
            "pii_categories": [{"category": "identity", "label_en": "Identity",
                                "label_nl": CATEGORY_INFO[DataCategory.IDENTITY].label_nl,
                                "special_category": False}],
            "recipients": [{"id": "org-buurtteam", "name": "Buurtteam Overvecht",
                            "kind": "buurtteam", "role": "recipient"}],
            "retention": {"days": 730, "starts": "case_closed",
                          "text": "730 days after the case is closed"},
            "withdrawal_method": "Tell the flatcoach or the privacy officer, in any words; "
                                 "sharing based on this consent stops at once.",
        }],
        "convenant": None,
        "events": [
            {"time": "2025-03-03T10:00:00+00:00", "state": "requested",
             "consent_status": "dpv:ConsentRequested", "actor_role": "flatcoach",
             "method": None, "notice_version": None},
            {"time": "2025-03-03T10:05:00+00:00", "state": "given",
             "consent_status": "dpv:ConsentGiven", "actor_role": "flatcoach",
             "method": "written", "notice_version": "2025-01"},
        ],
    }


def test_a_record_whose_facts_do_not_fit_names_what_is_wrong():
    other = Party(id="org-schuldhulp", name="Schuldhulp Utrecht", kind="schuldhulp")
    with pytest.raises(ValueError, match="^the recipient party is not the consent's recipient$"):
        build_consent_record(CONSENT, controller=CONTROLLER, recipient=other, events=[])
    withdrawn = ConsentEvent(at=GIVEN_AT + timedelta(days=3), state="withdrawn",
                             actor_role="privacy_officer")
    expired = ConsentFacts(**{**{f: getattr(CONSENT, f) for f in CONSENT.__slots__},
                              "state": "expired"})
    with pytest.raises(ValueError, match="^the event history ends in 'withdrawn', but the "
                                         "consent is expired$"):
        build_consent_record(expired, controller=CONTROLLER, recipient=BUURTTEAM,
                             events=[REQUESTED, GIVEN, withdrawn])
    naive = ConsentEvent(at=datetime(2025, 3, 3, 10, 5), state="given", actor_role="flatcoach")
    with pytest.raises(ValueError, match="^consent record times must be timezone-aware$"):
        build_consent_record(CONSENT, controller=CONTROLLER, recipient=BUURTTEAM,
                             events=[naive])


def test_a_consent_from_january_ends_in_january_a_year_later():
    assert default_valid_until(datetime(2025, 1, 31, 8, tzinfo=UTC)) == datetime(
        2026, 1, 31, 8, tzinfo=UTC)
    assert default_valid_until(datetime(2025, 12, 1, 8, tzinfo=UTC)) == datetime(
        2026, 12, 1, 8, tzinfo=UTC)


# --- errors -----------------------------------------------------------------------------------


def test_policy_errors_name_policy_terms_and_never_the_number():
    unknown = UnknownPurpose("marketing")
    assert unknown.purpose == "marketing"
    assert str(unknown) == "unknown purpose: 'marketing' is not in the processing register"
    assert str(BsnNotAllowed()) == (
        "the text contains a number that looks like a citizen service number (BSN); "
        "BSNs must never be recorded in Buurtpad — remove it and try again")
