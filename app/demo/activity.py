"""Door-knocks, cases, consents and handovers for the demo, made through the same
operations the app uses, so every state is reached by real transitions and logged."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.buildings.models import Building, CoachAssignment, Dwelling
from app.cases.operations import fire_case, open_case, set_help_question, update_notes
from app.consent.operations import fire_consent
from app.consent.recording import request_consent
from app.db import db, utcnow
from app.handovers.operations import create_handover, fire_handover
from app.residents.models import Resident
from app.visits.operations import record_visit
from policies import default_valid_until

HELP_QUESTIONS = (
    ("Ik heb schulden en durf de post niet meer open te maken.",
     ["finances", "daily_administration"], "high", "Schuldhulp Utrecht"),
    ("Sinds mijn man is overleden zie ik bijna niemand meer.", ["loneliness"], "normal",
     "Buurtteam Overvecht"),
    ("Mijn zoon hangt 's avonds op straat en ik weet niet hoe ik hem kan helpen.",
     ["youth_parenting", "safety"], "high", "Buurtteam Overvecht"),
    ("Er zit schimmel in de badkamer en ik krijg de corporatie niet te pakken.", ["housing"],
     "normal", "Buurtteam Overvecht"),
    ("Ik wil beter Nederlands leren zodat ik werk kan vinden.", ["language", "work_income"],
     "low", "Buurtteam Overvecht"),
    ("Ik begrijp de brieven van de gemeente en de belasting niet.",
     ["daily_administration", "language"], "normal", "Schuldhulp Utrecht"),
    ("Ik slaap slecht en pieker de hele dag.", ["mental_wellbeing", "health"], "normal",
     "Buurtteam Overvecht"),
)
THEMES = ("finances", "loneliness", "housing", "neighbours", "safety", "language",
          "health", "youth_parenting", "work_income", "mental_wellbeing")
OFFERS = ("cooking", "language_practice", "odd_jobs", "childcare", "company", "gardening",
          "technology", "translation", "organising_activities")
NOTES = ("Vriendelijk gesprek aan de deur.", "Wil graag meedoen in de Buurtkamer.",
         "Maakt zich zorgen over de veiligheid in de portiek.",
         "Heeft weinig contact met de buren.", "Kookt graag voor anderen.")

# How far each demo case travels along its path.
PATHS = ("contacted", "exploring", "question_formulated", "awaiting_consent", "referred",
         "accepted", "intro_scheduled", "supported", "closed", "paused")


def fill_activity(rng: random.Random, organizations: dict[str, Any]) -> dict[str, int]:
    counts = {"visits": 0, "cases": 0, "handovers": 0, "consents": 0}
    assignments = db.session.execute(select(CoachAssignment)).scalars().all()
    professionals = _professionals()
    for assignment in assignments:
        coach = db.session.get(_user_model(), assignment.user_id)
        building = db.session.get(Building, assignment.building_id)
        dwellings = db.session.execute(
            select(Dwelling).where(Dwelling.building_id == building.id)
            .order_by(Dwelling.floor, Dwelling.number)
        ).scalars().all()
        path_index = 0
        for dwelling in dwellings:
            if rng.random() > 0.65:  # doors not knocked on yet
                continue
            residents = db.session.execute(
                select(Resident).where(Resident.dwelling_id == dwelling.id)
            ).scalars().all()
            outcome = rng.choices(["not_home", "talked", "declined", "revisit", "vacant"],
                                  weights=[35, 45, 8, 10, 2])[0]
            if outcome == "talked" and not residents:
                outcome = "not_home"
            talked = outcome == "talked"
            resident = residents[0] if talked else None
            visit = record_visit(coach, dwelling, {
                "outcome": outcome,
                "themes": rng.sample(THEMES, k=rng.randint(1, 3)) if talked else [],
                "offers": rng.sample(OFFERS, k=rng.randint(0, 2)) if talked else [],
                "wishes": rng.sample(OFFERS, k=rng.randint(0, 1)) if talked else [],
                "willingness": rng.randint(0, 3) if talked else None,
                "household_size": _household_size(dwelling, residents) if talked else None,
                "notes": rng.choice(NOTES) if talked else "",
                "resident_id": resident.id if resident else None,
            })
            counts["visits"] += 1
            if talked and resident is not None and rng.random() < 0.45:
                path = PATHS[path_index % len(PATHS)]
                path_index += 1
                case = open_case(coach, resident)
                visit.case_id = case.id
                counts["cases"] += 1
                _walk(case, path, coach, rng, organizations, professionals, counts)
    return counts


def _household_size(dwelling: Dwelling, residents: Sequence[Resident]) -> int:
    """The registered residents and, in some homes, children or others not registered;
    derived from the house number so the demo's random draws stay as they were."""
    return len(residents) + (dwelling.number * 7) % 4


def _user_model() -> Any:
    from app.auth.models import User

    return User


def _professionals() -> dict[int, Any]:
    from app.auth.models import User

    users = db.session.execute(select(User).where(User.role == "professional")).scalars()
    return {user.organization_id: user for user in users}


def _walk(case: Any, path: str, coach: Any, rng: random.Random,
          organizations: dict[str, Any], professionals: dict[int, Any],
          counts: dict[str, int]) -> None:
    if path == "contacted":
        return
    fire_case(case, "start_exploring", coach, {})
    if path == "exploring":
        return
    text, themes, urgency, organization_name = rng.choice(HELP_QUESTIONS)
    set_help_question(coach, case, {"text": text, "themes": themes, "urgency": urgency})
    update_notes(coach, case, {"household_size": rng.randint(1, 5),
                               "living_situation_notes": "Woont al lang in de flat."})
    fire_case(case, "formulate_question", coach, {})
    if path == "question_formulated":
        return
    if path == "paused":
        fire_case(case, "pause", coach, {"reason": "Bewoner is een maand bij familie."})
        return
    if path == "closed":
        fire_case(case, "close", coach, {"outcome": "connected"})
        return
    organization = organizations[organization_name]
    categories = ["identity", "contact", "help_question"]
    consent = request_consent(coach, case.resident_id, {
        "purpose": "warm_handover", "recipient_organization_id": organization.id,
        "data_categories": categories, "valid_until": default_valid_until(utcnow())})
    counts["consents"] += 1
    handover = create_handover(coach, case, {
        "organization_id": organization.id, "purpose": "warm_handover",
        "data_categories": categories, "consent_id": consent.id,
        "note": "Graag samen kennismaken in de Buurtkamer."})
    counts["handovers"] += 1
    if path == "awaiting_consent":
        fire_handover(handover, "request_consent", coach, {})
        return
    fire_consent(consent, "give", coach, {"method": "verbal", "notice_version": "2026-01"})
    fire_handover(handover, "offer", coach, {})
    if path == "referred":
        if rng.random() < 0.5:
            # Offered a while ago and still unanswered: `workflows tick` escalates it.
            handover.offered_at = utcnow() - timedelta(days=9)
            handover.response_due_at = utcnow() - timedelta(days=2)
        return
    professional = professionals[organization.id]
    fire_handover(handover, "accept", professional, {})
    if path == "accepted":
        return
    fire_handover(handover, "schedule_intro", professional, {
        "intro_at": utcnow() + timedelta(days=rng.randint(1, 10)),
        "place": "Buurtkamer Overvecht"})
    if path == "intro_scheduled":
        return
    fire_handover(handover, "record_intro", coach, {})
    fire_handover(handover, "complete", professional, {})
