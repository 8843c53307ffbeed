"""Which Buurtkamer activities a user may see: coordinators all of them, flatcoaches those
of their buildings, others none."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.scope import one_in_scope, row_id_or_404
from app.buildings.scope import in_buildings_seen_by
from app.buurtkamer.models import Activity
from app.buurtkamer.reading import shown


def activities_query(user: User) -> Select[tuple[Activity]]:
    return select(Activity).where(in_buildings_seen_by(user, Activity.building_id))


def activity_in_scope(user: User, activity_id: int) -> Activity:
    return one_in_scope(
        activities_query(user)
        .options(*shown())
        .where(Activity.id == row_id_or_404(activity_id)))
