"""Which door visits a user may see: flatcoaches the visits to dwellings in their buildings;
nobody else."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.buildings.models import Dwelling
from app.buildings.scope import coach_building_ids
from app.visits.models import Visit


def visits_query(user: User) -> Select[tuple[Visit]]:
    query = select(Visit).join(Dwelling, Visit.dwelling_id == Dwelling.id)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)
