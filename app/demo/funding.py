"""The demo's funding streams, made through the app's own operations: the municipality pays
for the flatcoaches in all four buildings, the housing corporation for the Buurtkamer
activities in its two blocks, and a fund (not an organisation of the register) for support
with money and paperwork. The municipality is an organisation of its own here, and no party
to the samenwerkingsconvenant: it receives no resident's data, only the account."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.buildings.models import Building, CoachAssignment
from app.buurtkamer.models import Activity
from app.db import db, utcnow
from app.funding.operations import create_stream, local_day, tag_activity, tag_deployment
from app.organizations.models import Organization, OrganizationKind

MUNICIPALITY = "Gemeente Utrecht"
CORPORATION = "Dreefwonen"
FUND = "Fonds Samen Wonen"
CORPORATION_BUILDINGS = ("Tigrisdreef", "Zambesidreef")


def _period() -> tuple[date, date]:
    """Whole calendar years around today, so that the demo's weeks of work lie inside."""
    today = local_day(utcnow())
    return (date((today - timedelta(days=60)).year, 1, 1),
            date((today + timedelta(days=300)).year, 12, 31))


def fill_funding(organizations: dict[str, Any]) -> dict[str, int]:
    coordinator = db.session.execute(
        select(User).where(User.email == "coordinator@buurtpad.test")).scalar_one()
    municipality = Organization(name=MUNICIPALITY, kind=OrganizationKind.GEMEENTE)
    db.session.add(municipality)
    db.session.flush()
    starts_on, ends_on = _period()
    years = (f"{starts_on.year}" if starts_on.year == ends_on.year
             else f"{starts_on.year}–{ends_on.year}")
    coaches = create_stream(coordinator, {
        "name": f"Flatcoaches Overvecht {years}", "funder_organization_id": municipality.id,
        "starts_on": starts_on, "ends_on": ends_on, "budget_euros": 180_000})
    for coach_id, building_id in db.session.execute(
            select(CoachAssignment.user_id, CoachAssignment.building_id)
            .order_by(CoachAssignment.building_id, CoachAssignment.user_id)).all():
        tag_deployment(coordinator, coaches, coach_id=coach_id, building_id=building_id)
    buurtkamer = create_stream(coordinator, {
        "name": "Buurtkamer Tigrisdreef en Zambesidreef",
        "funder_organization_id": organizations[CORPORATION].id,
        "starts_on": starts_on, "ends_on": ends_on, "budget_euros": 25_000})
    activities = db.session.execute(
        select(Activity).join(Building, Building.id == Activity.building_id)
        .where(Building.name.in_(CORPORATION_BUILDINGS), Activity.cancelled_at.is_(None))
        .order_by(Activity.starts_at, Activity.id)).scalars().all()
    for activity in activities:
        tag_activity(coordinator, buurtkamer, activity)
    create_stream(coordinator, {
        "name": "Grip op geld in Overvecht", "funder_name": FUND,
        "starts_on": starts_on, "ends_on": ends_on, "budget_euros": 40_000,
        "themes": ["finances", "daily_administration", "work_income"]})
    return {"funding_streams": 3, "funded_activities": len(activities)}
