"""What a coach's phone keeps for working without a signal: the coach's buildings, each door's
number and last outcome, and names only of the residents at doors where this coach has
talked with someone. Nothing else (no notes, cases, answers, phone numbers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.buildings.models import Dwelling
from app.buildings.scope import buildings_query
from app.db import db
from app.residents.models import Resident
from app.visits.models import Visit, VisitOutcome
from app.visits.queries import last_outcomes


def offline_copy(user: User) -> dict[str, Any]:
    buildings = list(db.session.execute(buildings_query(user)).scalars())
    ids = [building.id for building in buildings]
    dwellings = list(db.session.execute(
        select(Dwelling).where(Dwelling.building_id.in_(ids))
        .order_by(Dwelling.floor, Dwelling.number, Dwelling.addition)
    ).scalars()) if ids else []
    talked_at = set(db.session.execute(
        select(Visit.dwelling_id).join(Dwelling, Dwelling.id == Visit.dwelling_id)
        .where(Dwelling.building_id.in_(ids), Visit.coach_id == user.id,
               Visit.outcome == VisitOutcome.TALKED).distinct()
    ).scalars()) if ids else set()
    names: dict[int, list[dict[str, str]]] = {}
    if talked_at:
        for resident in db.session.execute(
            select(Resident).where(Resident.dwelling_id.in_(sorted(talked_at)),
                                   Resident.anonymised_at.is_(None))
            .order_by(Resident.display_name)
        ).scalars():
            names.setdefault(resident.dwelling_id, []).append(
                {"id": str(resident.id), "name": resident.display_name})
    doors: dict[int, list[dict[str, Any]]] = {}
    outcomes = {building_id: last_outcomes(building_id) for building_id in ids}
    for dwelling in dwellings:
        doors.setdefault(dwelling.building_id, []).append({
            "id": dwelling.id, "address": dwelling.address, "number": dwelling.number,
            "addition": dwelling.addition, "floor": dwelling.floor,
            "outcome": outcomes[dwelling.building_id].get(dwelling.id, ""),
            "residents": names.get(dwelling.id, []),
        })
    return {
        "user_id": user.id,
        "buildings": [{"id": building.id, "name": building.name, "floors": building.floors,
                       "doors": doors.get(building.id, [])} for building in buildings],
    }
