"""Buurtkamer activities for the demo, made through the app's own operations: in every
building a few weeks of what took place (with how many came, one not counted yet) and what
is coming; some organised by residents who consented to being named, one of whom has since
withdrawn that consent and is shown as "a resident"."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.auth.models import User
from app.buildings.models import Building, CoachAssignment, Dwelling
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.buurtkamer.operations import (
    add_organiser,
    cancel_activity,
    find_naming_consent,
    plan_activity,
    record_participation,
    request_naming_consent,
)
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from app.residents.models import Resident
from app.visits.models import Visit

NOTICE_VERSION = "2026-01"
ZONE = ZoneInfo("Europe/Amsterdam")
# Offers heard at the door that make a resident a likely organiser.
ORGANISING_OFFERS = {"organising_activities", "cooking", "language_practice", "gardening",
                     "odd_jobs"}

# title, theme, place, days from today, start (hour, minute), who organises:
# "coach", "residents" (on their own) or "together" (the coach with residents).
PROGRAMME = (
    ("Koffieochtend", "meeting", "Buurtkamer", -26, (10, 0), "coach"),
    ("Samen koken: harira en pannenkoeken", "cooking", "Buurtkamer, keuken", -19, (17, 30),
     "residents"),
    ("Taalcafé: Nederlands oefenen", "language", "Buurtkamer", -12, (14, 0), "together"),
    ("Repair Café", "repair", "Fietsenberging begane grond", -9, (13, 0), "residents"),
    ("Voorleesmiddag voor kinderen", "children", "Buurtkamer", -5, (15, 30), "coach"),
    ("Buurtbingo", "meeting", "Buurtkamer", -2, (19, 0), "together"),
    ("Koffieochtend", "meeting", "Buurtkamer", 2, (10, 0), "coach"),
    ("Geveltuintjes planten", "green", "Voor de ingang", 6, (10, 30), "residents"),
    ("Taalcafé: Nederlands oefenen", "language", "Buurtkamer", 9, (14, 0), "together"),
    ("Informatieavond: energie besparen", "information", "Buurtkamer", 13, (19, 30), "coach"),
    ("Wandelen door het Gagelbos", "sport", "Verzamelen bij de hoofdingang", 16, (10, 0),
     "residents"),
    ("Schilderen met buren", "creative", "Buurtkamer", 23, (14, 0), "together"),
)


def fill_buurtkamer(seed: int) -> dict[str, int]:
    rng = random.Random(f"buurtkamer-{seed}")  # noqa: S311 - demo data, not security
    now = utcnow()
    today = now.astimezone(ZONE).date()
    counts = {"activities": 0, "activity_organisers": 0}
    buildings = db.session.execute(select(Building).order_by(Building.name)).scalars().all()
    withdrawn_one = False
    for number, building in enumerate(buildings):
        coach = _coach_of(building)
        if coach is None:
            continue
        organisers = _likely_organisers(building, rng)
        for index, (title, theme, place, days, (hour, minute), who) in enumerate(PROGRAMME):
            if rng.random() < 0.25:  # not every building runs everything
                continue
            # Each building on its own days: away from today, so the past stays past.
            shifted = days + (number % 3 if days > 0 else -(number % 3))
            starts_at = datetime.combine(today + timedelta(days=shifted), time(hour, minute),
                                         tzinfo=ZONE)
            activity = plan_activity(coach, building, {
                "title": title, "theme": theme, "place": place, "starts_at": starts_at,
                "organising_coach_id": None if who == "residents" else coach.id})
            counts["activities"] += 1
            if who != "coach" and organisers:
                for resident in rng.sample(organisers, k=min(len(organisers),
                                                             rng.choice((1, 1, 2)))):
                    _name_organiser(coach, activity, resident, now)
                    counts["activity_organisers"] += 1
            if starts_at < now:
                if index == 4 and building is buildings[0]:
                    cancel_activity(coach, activity, now)  # the reader fell ill
                elif days < -2:
                    record_participation(coach, activity, _turnout(theme, rng), now)
                # The most recent one is not counted yet: the coach still has to.
        if not withdrawn_one and organisers:
            withdrawn_one = _withdraw_one_naming_consent(coach, building)
    return counts


def _coach_of(building: Building) -> Any:
    return db.session.execute(
        select(User).join(CoachAssignment, CoachAssignment.user_id == User.id)
        .where(CoachAssignment.building_id == building.id).order_by(User.id).limit(1)
    ).scalar_one_or_none()


def _likely_organisers(building: Building, rng: random.Random) -> list[Resident]:
    """Residents who said at the door they could cook, garden, help or organise something;
    in a stable order (addresses and names, not random ids), so the demo repeats exactly."""
    rows = db.session.execute(
        select(Resident, Visit.offers)
        .join(Visit, Visit.resident_id == Resident.id)
        .join(Dwelling, Resident.dwelling_id == Dwelling.id)
        .where(Dwelling.building_id == building.id, Resident.anonymised_at.is_(None))
        .order_by(Dwelling.floor, Dwelling.number, Resident.display_name, Resident.birth_year)
    ).all()
    chosen: dict[Any, Resident] = {}
    for resident, offers in rows:
        if ORGANISING_OFFERS & set(offers or []):
            chosen.setdefault(resident.id, resident)
    residents = list(chosen.values())
    return rng.sample(residents, k=min(3, len(residents)))


def _name_organiser(coach: Any, activity: Any, resident: Resident, now: datetime) -> None:
    """The resident agreed, at the door, to be named as organiser; a consent they gave
    earlier for an activity run by the same organisation is relied on again."""
    consent = find_naming_consent(resident, activity, now)
    if consent is None:
        consent = request_naming_consent(coach, activity, resident, now)
        fire_consent(consent, "give", coach,
                     {"method": "verbal", "notice_version": NOTICE_VERSION}, now=now)
    add_organiser(coach, activity, resident, consent, now)


def _withdraw_one_naming_consent(coach: Any, building: Building) -> bool:
    """One organiser changed their mind: from now on the agenda shows "a resident"."""
    consent = db.session.execute(
        select(Consent).join(ActivityOrganiser, ActivityOrganiser.consent_id == Consent.id)
        .join(Activity, ActivityOrganiser.activity_id == Activity.id)
        .where(Activity.building_id == building.id, Consent.state == "given")
        .order_by(Activity.starts_at.desc(), Activity.id).limit(1)
    ).scalar_one_or_none()
    if consent is None:
        return False
    fire_consent(consent, "withdraw", coach,
                 {"reason": "Wil liever niet met naam in de agenda staan."})
    return True


def _turnout(theme: str, rng: random.Random) -> int:
    low, high = {"cooking": (12, 28), "meeting": (8, 22), "children": (6, 15),
                 "language": (5, 12), "repair": (6, 14)}.get(theme, (5, 15))
    return rng.randint(low, high)
