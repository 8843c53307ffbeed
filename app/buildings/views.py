"""The coach's buildings: door-knock progress, and each building's doors by floor."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Any

from flask import Blueprint, render_template, session
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.buildings.scope import building_in_scope, buildings_query
from app.db import db
from app.visits.forms import NotHomeForm
from app.visits.models import Visit
from app.visits.operations import can_take_back
from app.visits.queries import building_progress, last_outcomes
from app.web.pages import DB_ID

bp = Blueprint("buildings_pages", __name__, template_folder="templates")


@bp.route("/buildings")
@require(Permission.BUILDINGS_READ)
def flats() -> Any:
    buildings = building_progress(db.session.execute(buildings_query(current_user)).scalars())
    return render_template("buildings/flats.html", buildings=buildings)


@bp.route(f"/buildings/<{DB_ID}:building_id>")
@require(Permission.DWELLINGS_READ)
def building(building_id: int) -> Any:
    building = building_in_scope(current_user, building_id)
    dwellings = db.session.execute(
        select(Dwelling).where(Dwelling.building_id == building.id)
        .order_by(Dwelling.floor, Dwelling.number, Dwelling.addition)
    ).scalars().all()
    floors = [(floor, list(doors)) for floor, doors in groupby(dwellings, key=lambda d: d.floor)]
    outcomes = last_outcomes(building.id)
    progress = building_progress([building])[0][1]
    return render_template("buildings/building.html", building=building, floors=floors,
                           outcomes=outcomes, progress=progress,
                           just_recorded=_just_recorded(building.id),
                           take_back_form=NotHomeForm(formdata=None))


def _just_recorded(building_id: int) -> Visit | None:
    """The "nobody home" the coach has just tapped at a door of this building, once, while
    they may still take it back."""
    visit_id = session.pop("just_recorded_visit", None)
    try:
        visit = db.session.get(Visit, uuid.UUID(visit_id)) if visit_id else None
    except ValueError:
        return None
    if (visit is None or visit.dwelling.building_id != building_id
            or not can_take_back(current_user, visit)):
        return None
    return visit
