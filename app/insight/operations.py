"""Neighbourhood insight as an operation: the viewer's scope, the panels, and one entry in
the processing log for every view or export (activity `neighbourhood_insight`, aggregates
only, so no data subject)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.audit.processing import log_processing
from app.auth.models import User
from app.auth.permissions import Role
from app.buildings.scope import building_in_scope, coach_building_ids
from app.db import db, utcnow
from app.insight import queries
from app.insight.panels import PANELS, Context, build
from app.insight.periods import Period
from app.insight.queries import Scope
from app.insight.tables import ALL, building_view
from policies import REGISTER, Action
from policies.small_cells import MARKS, THRESHOLD

ACTIVITY = "neighbourhood_insight"


def viewer_scope(user: User) -> Scope:
    """Coordinators see every building, a flatcoach the buildings assigned to them."""
    if user.role == Role.COORDINATOR:
        return Scope(None)
    if user.role == Role.FLATCOACH:
        return Scope(tuple(db.session.execute(coach_building_ids(user)).scalars()))
    return Scope(())


def insight(user: User, building_id: int | None = None, panels: Iterable[str] = PANELS,
            now: datetime | None = None, period: Period | None = None) -> dict[str, Any]:
    """Every panel (or the ones named) for the viewer's buildings, or for one of them
    (404 outside the viewer's scope); with a period, what happened in it."""
    if building_id is not None:
        building_in_scope(user, building_id)
    queries.dialect().prepare(db.session)
    scope = viewer_scope(user)
    if period is not None:
        scope = replace(scope, since=period.since, until=period.until, period=period.key)
    buildings = [(row[0], row[1]) for row in queries.buildings(scope)]
    view = ALL if building_id is None else building_view(building_id)
    ctx = Context(scope=scope, buildings=buildings, view=view, now=now or utcnow())
    return {
        "generated_at": ctx.now,
        "building_ids": [building_id] if building_id is not None else [b for b, _ in buildings],
        "threshold": THRESHOLD,
        "marks": {str(reason): mark for reason, mark in MARKS.items()},
        "panels": build(ctx, list(panels)),
    }


def view_insight(user: User, building_id: int | None = None,
                 now: datetime | None = None, period: Period | None = None) -> dict[str, Any]:
    """The dashboard, logged as one view of neighbourhood insight."""
    result = insight(user, building_id, now=now, period=period)
    _log(user, Action.VIEW_INSIGHT, building_id, [p["id"] for p in result["panels"]], period)
    return result


def export_panel(user: User, panel: str, building_id: int | None = None,
                 period: Period | None = None) -> dict[str, Any]:
    """One panel for a CSV file, logged as an export of neighbourhood insight."""
    result = insight(user, building_id, panels=[panel], period=period)
    _log(user, Action.EXPORT, building_id, [panel], period)
    return result["panels"][0]


def _log(user: User, action: str, building_id: int | None, panels: list[str],
         period: Period | None = None) -> None:
    activity = REGISTER[ACTIVITY]
    log_processing(
        action=str(action), activity=ACTIVITY, decision="allowed", actor=user,
        data_subject_id=None, categories=activity.categories,
        legal_basis=str(activity.legal_basis),
        object_type="building" if building_id is not None else None, object_id=building_id,
        reasons=["aggregates only; counts of 1 to 4 people, and counts they could be worked "
                 "out from, are hidden", f"panels: {', '.join(panels)}",
                 *([f"period: {period.key}"] if period is not None else [])],
    )


def building_choices(user: User) -> list[tuple[int, str]]:
    from app.buildings.models import Building
    from app.buildings.scope import buildings_query

    return [(b.id, b.name) for b in db.session.execute(
        buildings_query(user).with_only_columns(Building.id, Building.name)).all()]

