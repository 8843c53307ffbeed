"""Which Buurtkamer activities a user may see: coordinators all of them, flatcoaches those
of their buildings, others none."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import one_in_scope, row_id_or_404
from app.buildings.scope import coach_building_ids
from app.buurtkamer.models import Activity
from app.buurtkamer.reading import shown


def activities_query(user: User) -> Select[tuple[Activity]]:
    query = select(Activity)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Activity.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def activity_in_scope(user: User, activity_id: int) -> Activity:
    return one_in_scope(
        activities_query(user)
        .options(*shown())
        .where(Activity.id == row_id_or_404(activity_id)))
