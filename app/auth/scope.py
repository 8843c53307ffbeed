"""What each caller may see. Anything outside it is answered with 404 (never revealed)."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling
from app.db import db
from app.residents.models import Resident


def not_found() -> Any:
    abort(404, message=_("Not found."))


def coach_building_ids(user: User) -> Select[tuple[int]]:
    return select(CoachAssignment.building_id).where(CoachAssignment.user_id == user.id)


def buildings_query(user: User) -> Select[tuple[Building]]:
    query = select(Building).order_by(Building.name)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Building.id.in_(coach_building_ids(user)))
    return query.where(False)


def building_in_scope(user: User, building_id: int) -> Building:
    building = db.session.execute(
        buildings_query(user).where(Building.id == building_id)
    ).scalar_one_or_none()
    if building is None:
        not_found()
    return building


def dwelling_in_scope(user: User, dwelling_id: int) -> Dwelling:
    """Dwellings are worked by the coaches of their building."""
    dwelling = db.session.get(Dwelling, dwelling_id)
    if dwelling is None or user.role != Role.FLATCOACH:
        not_found()
    building_in_scope(user, dwelling.building_id)
    return dwelling


def residents_query(user: User) -> Select[tuple[Resident]]:
    """Coaches see the residents of their buildings; everyone else sees residents only
    through what the consent gateway releases to them."""
    query = select(Resident).join(Dwelling)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def resident_in_scope(user: User, resident_id: uuid.UUID | str) -> Resident:
    try:
        rid = resident_id if isinstance(resident_id, uuid.UUID) else uuid.UUID(str(resident_id))
    except ValueError:
        not_found()
    resident = db.session.execute(
        residents_query(user).where(Resident.id == rid)
    ).scalar_one_or_none()
    if resident is None:
        not_found()
    return resident
