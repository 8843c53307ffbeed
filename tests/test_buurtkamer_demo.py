"""The demo Buurtkamer: every building has activities that took place (most counted) and
activities to come; residents organise some of them under their consent, and one who
withdrew it is no longer named. The same seed gives the same programme."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.buildings.models import Building
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.buurtkamer.reading import read_activity
from app.consent.models import Consent
from app.db import db, utcnow
from app.demo.operations import fill_demo


def programme() -> list[tuple[object, ...]]:
    rows = db.session.execute(
        select(Building.name, Activity.title, Activity.starts_at, Activity.participant_count,
               Activity.cancelled_at.is_not(None), Activity.organising_coach_id.is_(None))
        .join(Building, Activity.building_id == Building.id)
        .order_by(Building.name, Activity.starts_at, Activity.id)).all()
    return [tuple(row) for row in rows]


def test_every_building_has_a_realistic_programme(app):
    with app.app_context():
        counts = fill_demo("demo-password-1")
        now = utcnow()
        by_building: dict[str, list[Activity]] = defaultdict(list)
        for activity in db.session.execute(select(Activity)).scalars():
            by_building[activity.building.name].append(activity)
        assert set(by_building) == {"Tigrisdreef", "Zambesidreef", "Ankaradreef", "Haifadreef"}
        assert counts["activities"] == sum(len(a) for a in by_building.values())
        for name, activities in by_building.items():
            past = [a for a in activities if a.starts_at < now]
            upcoming = [a for a in activities if a.starts_at >= now]
            assert past and upcoming, name
            assert all(a.participant_count is None for a in upcoming), name
            assert any(a.participant_count for a in past), name
            assert all(0 <= (a.participant_count or 0) <= 40 for a in past), name
        organisers = db.session.execute(select(ActivityOrganiser)).scalars().all()
        assert organisers and counts["activity_organisers"] == len(organisers)
        states = {db.session.get(Consent, o.consent_id).state for o in organisers}
        assert states == {"given", "withdrawn"}
        for organiser in organisers:
            consent = db.session.get(Consent, organiser.consent_id)
            assert (consent.purpose, consent.resident_id) == ("resident_connection",
                                                              organiser.resident_id)
            assert "identity" in consent.data_categories
        db.session.rollback()


def test_a_demo_organiser_who_withdrew_is_a_resident(app, ctx):
    from app.auth.models import User

    fill_demo("demo-password-1")
    coordinator = db.session.execute(
        select(User).where(User.email == "coordinator@buurtpad.test")).scalar_one()
    shown = [organiser for activity in db.session.execute(select(Activity)).scalars()
             for organiser in read_activity(coordinator, activity)["organisers"]]
    assert {o["named"] for o in shown} == {True, False}
    assert {o["name"] for o in shown if not o["named"]} == {"een bewoner"}
    db.session.rollback()


def test_the_demo_programme_is_deterministic(app):
    with app.app_context():
        fill_demo("demo-password-1", seed=7)
        first = programme()
        db.session.rollback()
        fill_demo("demo-password-1", seed=7)
        second = programme()
        db.session.rollback()
    assert first == second and first
