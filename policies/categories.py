"""Data categories: what kinds of resident data Buurtpad holds.

A consent, a processing activity and a handover each name a set of these categories.
A receiving professional sees only the fields of the categories released to them
(`CATEGORY_FIELDS`). There is no category, and no field, for a citizen service number
(BSN): it is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

from policies.errors import UnknownCategory


class DataCategory(StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    HOUSEHOLD = "household"
    LIVING_SITUATION = "living_situation"
    HELP_QUESTION = "help_question"
    FINANCES = "finances"
    HEALTH = "health"
    SAFETY = "safety"
    NOTES = "notes"

    @property
    def info(self) -> CategoryInfo:
        return CATEGORY_INFO[self]

    @property
    def label_nl(self) -> str:
        return CATEGORY_INFO[self].label_nl

    @property
    def label_en(self) -> str:
        return CATEGORY_INFO[self].label_en

    @property
    def description(self) -> str:
        return CATEGORY_INFO[self].description

    @property
    def special(self) -> bool:
        return CATEGORY_INFO[self].special


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    label_nl: str
    label_en: str
    description: str
    # GDPR Art. 9 special category: shared only under a consent that names it explicitly.
    special: bool = False


CATEGORY_INFO: Mapping[DataCategory, CategoryInfo] = MappingProxyType({
    DataCategory.IDENTITY: CategoryInfo(
        "Identiteit", "Identity",
        "The name the resident wants to be called by and an age band; never a BSN."),
    DataCategory.CONTACT: CategoryInfo(
        "Contactgegevens", "Contact details",
        "Phone number and address: street, house number, postcode and building."),
    DataCategory.HOUSEHOLD: CategoryInfo(
        "Huishouden", "Household",
        "Size and make-up of the household."),
    DataCategory.LIVING_SITUATION: CategoryInfo(
        "Woonsituatie", "Living situation",
        "How the resident lives: living environment, themes raised at the door, "
        "willingness to take part and what they can offer others."),
    DataCategory.HELP_QUESTION: CategoryInfo(
        "Hulpvraag", "Help question",
        "The help question in the resident's own words, its themes and urgency."),
    DataCategory.FINANCES: CategoryInfo(
        "Financiën", "Finances",
        "Income, debts and money worries."),
    DataCategory.HEALTH: CategoryInfo(
        "Gezondheid", "Health",
        "Physical and mental health. Special category (GDPR Art. 9): shared only with "
        "explicit consent that names it.",
        special=True),
    DataCategory.SAFETY: CategoryInfo(
        "Veiligheid", "Safety",
        "Safety concerns such as domestic violence, threats or neglect."),
    DataCategory.NOTES: CategoryInfo(
        "Notities", "Coach notes",
        "The flatcoach's own working notes about the contact."),
})

# Field-level minimisation: the resident and case fields each category releases.
CATEGORY_FIELDS: Mapping[DataCategory, tuple[str, ...]] = MappingProxyType({
    DataCategory.IDENTITY: ("display_name", "age_band"),
    DataCategory.CONTACT: (
        "phone", "street", "house_number", "house_number_addition", "postcode",
        "building_name",
    ),
    DataCategory.HOUSEHOLD: ("household_size", "household_notes"),
    DataCategory.LIVING_SITUATION: (
        "visit_themes", "living_environment_notes", "willingness", "offers",
    ),
    DataCategory.HELP_QUESTION: (
        "help_question_text", "help_question_themes", "help_question_urgency",
    ),
    DataCategory.FINANCES: ("finances_notes",),
    DataCategory.HEALTH: ("health_notes",),
    DataCategory.SAFETY: ("safety_notes",),
    DataCategory.NOTES: ("coach_notes", "handover_note"),
})

FIELD_CATEGORY: Mapping[str, DataCategory] = MappingProxyType({
    field: category for category, fields in CATEGORY_FIELDS.items() for field in fields
})

ALL_CATEGORIES: frozenset[DataCategory] = frozenset(DataCategory)
SPECIAL_CATEGORIES: frozenset[DataCategory] = frozenset(c for c in DataCategory if c.special)


def parse_categories(values: Iterable[str]) -> frozenset[DataCategory]:
    """The categories named by `values`; raises UnknownCategory naming any unknown ones."""
    return _parse(frozenset(values))


@lru_cache(maxsize=1024)  # 2**9 possible sets: the decision function parses one per call
def _parse(values: frozenset[str]) -> frozenset[DataCategory]:
    unknown = values - ALL_CATEGORIES
    if unknown:
        raise UnknownCategory(unknown)
    return frozenset(DataCategory(value) for value in values)


_ORDER: Mapping[str, int] = MappingProxyType({c: i for i, c in enumerate(DataCategory)})


def in_order(categories: Iterable[str]) -> list[str]:
    """Category names in declaration order, so lists and messages read the same every time."""
    return sorted(map(str, categories), key=lambda name: (_ORDER.get(name, len(_ORDER)), name))


def fields_for(categories: Iterable[str]) -> frozenset[str]:
    """The resident and case fields a recipient of `categories` may see."""
    return frozenset(field for category in parse_categories(categories)
                     for field in CATEGORY_FIELDS[category])
