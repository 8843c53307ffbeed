from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_login import current_user
from sqlalchemy import Select, case

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.scope import building_in_scope
from app.buurtkamer.models import Activity
from app.buurtkamer.operations import (
    add_organiser,
    change_activity,
    organiser_of,
    plan_activity,
    remove_organiser,
    running_organization_id,
)
from app.buurtkamer.reading import read_activity, show_organiser, shown
from app.buurtkamer.schemas import (
    ActivityCreateSchema,
    ActivityQuerySchema,
    ActivitySchema,
    ActivityUpdateSchema,
    OrganiserCreateSchema,
    OrganiserSchema,
)
from app.buurtkamer.scope import activities_query, activity_in_scope
from app.consent.scope import consent_in_scope
from app.db import utcnow
from app.pagination import paginate
from app.residents.scope import resident_in_scope
from app.web.formkit import local_zone

blp = api_blueprint("buurtkamer", __name__, "/activities",
                    "Buurtkamer activities: organised by residents or a coach, participation "
                    "counted")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def in_order(query: Select[Any], order: str, now: datetime) -> Select[Any]:
    if order == "date":
        return query.order_by(Activity.starts_at, Activity.id)
    upcoming = Activity.starts_at >= now
    # Still to come first, soonest first; then what has passed, latest first.
    return query.order_by(case((upcoming, 0), else_=1),
                          case((upcoming, Activity.starts_at)).asc(),
                          Activity.starts_at.desc(), Activity.id)


@blp.route("")
@require(Permission.ACTIVITIES_READ)
@blp.arguments(ActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
@blp.alt_response(404, description="Building unknown or not one of the coach's")
@blp.paginate()
def list_activities(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Coaches: the activities of their buildings; coordinators: of every building.
    Filter by `building_id` and a period (`from`, `to`). Organisers are named only while
    their consent allows it (each name shown is logged in the processing log)."""
    query = activities_query(current_user).options(*shown())
    if "building_id" in args:
        building = building_in_scope(current_user, args["building_id"])
        query = query.where(Activity.building_id == building.id)
    if "start" in args:
        query = query.where(Activity.starts_at >= day_start(args["start"]))
    if "end" in args:
        query = query.where(Activity.starts_at < day_start(args["end"] + timedelta(days=1)))
    now = utcnow()
    activities = paginate(in_order(query, args["order"], now), pagination_parameters)
    result = [read_activity(current_user, activity, now) for activity in activities]
    return result


@blp.route("", methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
@blp.arguments(ActivityCreateSchema)
@blp.response(201, ActivitySchema)
@blp.alt_response(404, description="Building unknown or not one of the coach's")
@blp.alt_response(422, description="Invalid input (title, theme, start, place), or an "
                  "organising coach who does not work in the building")
def create_activity(data: dict[str, Any]) -> Any:
    """Plan an activity in one of the coach's buildings. Without `organising_coach_id` the
    coach organises it; with `null` residents organise it on their own."""
    building = building_in_scope(current_user, data["building_id"])
    data.setdefault("organising_coach_id", current_user.id)
    activity = plan_activity(current_user, building, data)
    result = read_activity(current_user, activity)
    return result


@blp.route("/<int:activity_id>")
@require(Permission.ACTIVITIES_READ)
@blp.response(200, ActivitySchema)
@blp.alt_response(404, description="Unknown, or outside the caller's buildings")
def get_activity(activity_id: int) -> Any:
    """One activity with its organisers (named only while their consent allows it)."""
    activity = activity_in_scope(current_user, activity_id)
    result = read_activity(current_user, activity)
    return result


@blp.route("/<int:activity_id>", methods=["PATCH"])
@require(Permission.ACTIVITIES_MANAGE)
@blp.arguments(ActivityUpdateSchema)
@blp.response(200, ActivitySchema)
@blp.alt_response(404, description="Unknown, or outside the coach's buildings")
@blp.alt_response(422, description="Invalid input; the activity is cancelled; participation "
                  "before the start; cancelling after participation was recorded; a new start "
                  "more than a month back or a year ahead; an organising coach of another "
                  "organisation while residents who consented to this one organise it")
def update_activity(data: dict[str, Any], activity_id: int) -> Any:
    """Change title, theme, start, place or organising coach; `cancelled: true` cancels;
    `participant_count` records how many people came (once the activity has started)."""
    activity = activity_in_scope(current_user, activity_id)
    change_activity(current_user, activity, data)
    result = read_activity(current_user, activity)
    return result


@blp.route("/<int:activity_id>/organisers", methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
@blp.arguments(OrganiserCreateSchema)
@blp.response(201, OrganiserSchema)
@blp.alt_response(404, description="Activity, resident or consent unknown or outside the "
                  "coach's scope")
@blp.alt_response(422, description="The consent does not allow naming the resident "
                  "(purpose resident_connection, the organisation running the activity, "
                  "identity, given and valid), the resident lives in another building or "
                  "already organises it, or the activity is cancelled")
def create_organiser(data: dict[str, Any], activity_id: int) -> Any:
    """Name a resident as organiser, under their consent (see `consent_id`). Without one, ask
    it first: `POST /api/v1/residents/{id}/consents` with purpose `resident_connection`."""
    activity = activity_in_scope(current_user, activity_id)
    resident = resident_in_scope(current_user, data["resident_id"])
    consent = consent_in_scope(current_user, data["consent_id"])
    organiser = add_organiser(current_user, activity, resident, consent)
    result = show_organiser(current_user, activity, organiser, running_organization_id(activity))
    return {"activity_id": activity.id, **result}


@blp.route("/<int:activity_id>/organisers/<uuid:resident_id>", methods=["DELETE"])
@require(Permission.ACTIVITIES_MANAGE)
@blp.response(204)
@blp.alt_response(404, description="Activity unknown or outside the coach's buildings, or "
                  "the resident does not organise it")
def delete_organiser(activity_id: int, resident_id: uuid.UUID) -> Any:
    """The resident no longer organises the activity (the activity and the consent stay)."""
    activity = activity_in_scope(current_user, activity_id)
    organiser = organiser_of(activity, resident_id)
    remove_organiser(current_user, activity, organiser)
    return None
