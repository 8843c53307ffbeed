"""What a receiving professional sees of a resident: built from the released categories
only (data minimisation). A category that was not released is absent, not empty."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from app.db import db
from app.handovers.models import Handover
from app.visits.models import Visit


def age_band(birth_year: int | None, today: date | None = None) -> str | None:
    if birth_year is None:
        return None
    age = (today or date.today()).year - birth_year
    for upper, label in ((18, "0-17"), (30, "18-29"), (45, "30-44"), (65, "45-64"),
                         (80, "65-79")):
        if age < upper:
            return label
    return "80+"


def _visits(handover: Handover) -> list[Visit]:
    resident = handover.case.resident
    return list(db.session.execute(
        select(Visit).where(Visit.resident_id == resident.id).order_by(Visit.visited_at)
    ).scalars())


def released_data(handover: Handover, categories: Iterable[str]) -> dict[str, Any]:
    case = handover.case
    resident = case.resident
    dwelling = resident.dwelling
    released = set(categories)
    data: dict[str, Any] = {}
    if "identity" in released:
        data["identity"] = {"display_name": resident.display_name,
                            "age_band": age_band(resident.birth_year)}
    if "contact" in released:
        # Exactly policies.CATEGORY_FIELDS["contact"]; languages belong to no category.
        data["contact"] = {"phone": resident.phone, "street": dwelling.street,
                           "house_number": dwelling.number,
                           "house_number_addition": dwelling.addition,
                           "postcode": dwelling.postcode,
                           "building_name": dwelling.building.name}
    if "household" in released:
        data["household"] = {"household_size": case.household_size,
                             "household_notes": case.household_notes}
    if "living_situation" in released:
        visits = _visits(handover)
        data["living_situation"] = {
            "visit_themes": sorted({t for v in visits for t in v.themes}),
            "offers": sorted({o for v in visits for o in v.offers}),
            "willingness": visits[-1].willingness if visits else None,
            "living_environment_notes": case.living_situation_notes,
        }
    if "help_question" in released:
        question = case.help_question
        data["help_question"] = (
            {"text": question.text, "themes": list(question.themes),
             "urgency": str(question.urgency)} if question else None
        )
    for category, field in (("finances", "finances_notes"), ("health", "health_notes"),
                            ("safety", "safety_notes")):
        if category in released:
            data[category] = {field: getattr(case, field)}
    if "notes" in released:
        data["notes"] = {"coach_notes": case.coach_notes, "handover_note": handover.note}
    return data
