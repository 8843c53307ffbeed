"""Which buildings and dwellings a user may see: coordinators every building, flatcoaches the
buildings they are assigned to (and work their dwellings), everyone else none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import not_found, one_in_scope, row_id_or_404
from app.buildings.models import Building, CoachAssignment, Dwelling
from app.db import db


def coach_building_ids(user: User) -> Select[tuple[int]]:
    return select(CoachAssignment.building_id).where(CoachAssignment.user_id == user.id)


def in_buildings_seen_by(user: User, building_id: Any) -> ColumnElement[bool]:
    """Whether the building at `building_id` (a column) is one the user sees: every one for a
    coordinator, their own for a flatcoach, none for anyone else."""
    if user.role == Role.COORDINATOR:
        return true()
    if user.role == Role.FLATCOACH:
        return building_id.in_(coach_building_ids(user))
    return false()


def buildings_query(user: User) -> Select[tuple[Building]]:
    return select(Building).where(in_buildings_seen_by(user, Building.id)).order_by(
        Building.name)


def building_in_scope(user: User, building_id: int) -> Building:
    return one_in_scope(
        buildings_query(user).where(Building.id == row_id_or_404(building_id)))


def dwelling_in_scope(user: User, dwelling_id: int) -> Dwelling:
    """Dwellings are worked by the coaches of their building."""
    dwelling = db.session.get(Dwelling, dwelling_id)
    if dwelling is None or user.role != Role.FLATCOACH:
        not_found()
    building_in_scope(user, dwelling.building_id)
    return dwelling
