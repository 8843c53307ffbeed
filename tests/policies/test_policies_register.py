"""The processing register (GDPR Art. 30) and the data categories."""

import pytest

from policies import (
    ALL_CATEGORIES,
    CATEGORY_FIELDS,
    FIELD_CATEGORY,
    REGISTER,
    SPECIAL_CATEGORIES,
    Confidentiality,
    DataCategory,
    LegalBasis,
    ProcessingActivity,
    RetentionStart,
    UnknownCategory,
    UnknownPurpose,
    fields_for,
    get_activity,
    parse_categories,
)

# DOMAIN.md, "Processing register": "At least: ..."
DOMAIN_ACTIVITIES = (
    "outreach_contact", "case_support", "warm_handover", "safety_disclosure",
    "resident_connection", "neighbourhood_insight", "data_subject_request",
)


def test_every_activity_named_in_the_domain_brief_is_registered():
    assert set(DOMAIN_ACTIVITIES) <= set(REGISTER)


@pytest.mark.parametrize("activity", REGISTER.values(), ids=list(REGISTER))
def test_every_activity_is_fully_described(activity: ProcessingActivity):
    assert REGISTER[activity.id] is activity
    assert activity.name_nl and activity.name_en and activity.purpose and activity.description
    assert isinstance(activity.legal_basis, LegalBasis)
    assert activity.categories and activity.categories <= ALL_CATEGORIES
    assert activity.recipients
    assert activity.retention_days >= 0
    assert isinstance(activity.confidentiality, Confidentiality)
    if activity.categories & SPECIAL_CATEGORIES:
        assert activity.confidentiality is Confidentiality.SPECIAL


@pytest.mark.parametrize(("activity_id", "bases"), [
    ("outreach_contact", {LegalBasis.CONSENT}),
    ("case_support", {LegalBasis.CONSENT}),
    ("warm_handover", {LegalBasis.CONSENT}),
    ("resident_connection", {LegalBasis.CONSENT}),
    ("safety_disclosure", {LegalBasis.VITAL_INTEREST, LegalBasis.LEGAL_OBLIGATION}),
    ("neighbourhood_insight", {LegalBasis.PUBLIC_TASK}),
    ("data_subject_request", {LegalBasis.LEGAL_OBLIGATION}),
])
def test_each_activity_has_its_legal_basis(activity_id, bases):
    assert get_activity(activity_id).legal_bases == bases


def test_neighbourhood_insight_is_aggregates_only_and_stores_nothing():
    insight = get_activity("neighbourhood_insight")

    assert insight.aggregates_only
    assert insight.retention_starts is RetentionStart.NOT_STORED
    assert DataCategory.HEALTH not in insight.categories
    assert [a.id for a in REGISTER.values() if a.aggregates_only] == ["neighbourhood_insight"]


def test_case_data_is_kept_two_years_after_closing_and_proof_outlives_it():
    case = get_activity("case_support")

    assert (case.retention_days, case.retention_starts) == (730, RetentionStart.CASE_CLOSED)
    assert case.retention == "730 days after the case is closed"
    assert get_activity("accountability").retention_days > case.retention_days


def test_an_unknown_purpose_raises_a_clear_error():
    with pytest.raises(UnknownPurpose, match="'marketing' is not in the processing register"):
        get_activity("marketing")


def test_the_register_cannot_be_changed_at_runtime():
    with pytest.raises(TypeError):
        REGISTER["marketing"] = get_activity("case_support")  # type: ignore[index]


def test_activities_serialise_with_their_gdpr_article():
    described = get_activity("warm_handover").as_dict()

    assert described["legal_basis"] == "consent"
    assert described["legal_basis_article"] == "GDPR Art. 6(1)(a)"
    assert described["legal_basis_iri"] == "eu-gdpr:A6-1-a"
    assert described["categories"] == [str(c) for c in DataCategory]


# --- data categories --------------------------------------------------------------------

def test_the_nine_data_categories():
    assert [str(c) for c in DataCategory] == [
        "identity", "contact", "household", "living_situation", "help_question",
        "finances", "health", "safety", "notes",
    ]


def test_only_health_is_a_special_category():
    assert [c for c in DataCategory if c in SPECIAL_CATEGORIES] == [DataCategory.HEALTH]
    assert DataCategory.HEALTH.special
    assert "Art. 9" in DataCategory.HEALTH.description


@pytest.mark.parametrize("category", list(DataCategory))
def test_every_category_has_labels_a_description_and_fields(category: DataCategory):
    assert category.label_nl and category.label_en and category.description
    assert CATEGORY_FIELDS[category]


def test_every_field_belongs_to_exactly_one_category_and_none_holds_a_bsn():
    fields = [field for fields in CATEGORY_FIELDS.values() for field in fields]

    assert len(fields) == len(set(fields)) == len(FIELD_CATEGORY)
    assert not [field for field in fields if "bsn" in field]
    assert FIELD_CATEGORY["health_notes"] is DataCategory.HEALTH
    assert FIELD_CATEGORY["postcode"] is DataCategory.CONTACT


def test_fields_for_releases_only_the_named_categories():
    assert fields_for(["household", "finances"]) == {
        "household_size", "household_notes", "finances_notes"}


def test_unknown_categories_are_named_in_the_error():
    with pytest.raises(UnknownCategory, match="unknown data categories: bsn, religion"):
        parse_categories(["identity", "religion", "bsn"])
