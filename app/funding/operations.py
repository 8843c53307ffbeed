"""Keeping funding streams: a coordinator records a stream and tags what it pays for —
coach assignments (deployment in a building for a period) and Buurtkamer activities. One
command per use case, each logged in the audit log; the API and the pages call the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.operations import record_event
from app.buildings.models import CoachAssignment
from app.buurtkamer.models import Activity
from app.cases.models import HELP_THEMES
from app.db import db
from app.errors import Refused
from app.funding.models import ActivityFunding, FundedDeployment, FundingStream
from app.organizations.models import Organization
from app.web.formkit import local_zone

STREAM_FIELDS = ("name", "funder_organization_id", "funder_name", "starts_on", "ends_on",
                 "budget_euros", "themes")


# --------------------------------------------------------------------------- the stream


def create_stream(coordinator: Any, data: Mapping[str, Any]) -> FundingStream:
    """Record a stream, with the activities and deployments it pays for when `data` names
    them (see `set_tags`)."""
    stream = FundingStream(created_by_id=coordinator.id, funder_name="", themes=[])
    _apply(stream, {name: data.get(name) for name in STREAM_FIELDS})
    db.session.add(stream)
    db.session.flush()
    record_event("funding_stream_created", actor=coordinator, object_type=stream.object_type,
                 object_id=stream.id, details=_summary(stream))
    set_tags(coordinator, stream, activity_ids=data.get("activity_ids"),
             deployments=data.get("deployments"))
    return stream


def update_stream(coordinator: Any, stream: FundingStream, data: Mapping[str, Any]) -> None:
    """Change what `data` names: the stream's own fields (`change_stream`), and the
    activities and deployments it pays for when it names them (`set_tags`)."""
    if any(name in data for name in STREAM_FIELDS):
        change_stream(coordinator, stream, data)
    set_tags(coordinator, stream, activity_ids=data.get("activity_ids"),
             deployments=data.get("deployments"))


def change_stream(coordinator: Any, stream: FundingStream, data: Mapping[str, Any]) -> None:
    """Change what `data` names (the others stay). A funder is replaced as a whole: naming an
    organisation clears the external name, and the other way round."""
    changes = {name: data[name] for name in STREAM_FIELDS if name in data}
    if "funder_organization_id" in changes and changes["funder_organization_id"] is not None:
        changes.setdefault("funder_name", "")
    if changes.get("funder_name"):
        changes.setdefault("funder_organization_id", None)
    before = _summary(stream)
    _apply(stream, {**{name: getattr(stream, name) for name in STREAM_FIELDS}, **changes})
    db.session.flush()
    after = _summary(stream)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        record_event("funding_stream_changed", actor=coordinator,
                     object_type=stream.object_type, object_id=stream.id,
                     details={"changed": changed, **after})


def _apply(stream: FundingStream, values: Mapping[str, Any]) -> None:
    """Check a whole stream as it would be, then set it."""
    name = (values.get("name") or "").strip()
    if not name:
        raise Refused(message=_("Give the funding stream a name."), field="name")
    organization_id = values.get("funder_organization_id")
    funder_name = (values.get("funder_name") or "").strip()
    if (organization_id is None) == (not funder_name):
        raise Refused(message=_(
            "Choose the funding organisation, or name an external funder such as a fund: "
            "one of the two."), field="funder_organization_id")
    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        raise Refused(message=_("Unknown organisation."), field="funder_organization_id")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on is None or ends_on is None:
        raise Refused(message=_("Give the period: from and until."), field="starts_on")
    if ends_on < starts_on:
        raise Refused(message=_("The end lies before the start."), field="ends_on")
    themes = list(dict.fromkeys(values.get("themes") or []))
    unknown = sorted(set(themes) - set(HELP_THEMES))
    if unknown:
        raise Refused(message=_("Unknown theme: %(themes)s.", themes=", ".join(unknown)),
                      field="themes")
    budget = values.get("budget_euros")
    if budget is not None and budget < 0:
        raise Refused(message=_("A budget is not negative."), field="budget_euros")
    if stream.id is not None:
        _tags_within(stream, starts_on, ends_on)
    stream.name = name
    stream.funder_organization_id = organization_id
    stream.funder_name = funder_name
    stream.starts_on, stream.ends_on = starts_on, ends_on
    stream.budget_euros = budget
    stream.themes = [theme for theme in HELP_THEMES if theme in themes]


def _tags_within(stream: FundingStream, starts_on: date, ends_on: date) -> None:
    """A new period must still hold what is tagged with the stream."""
    if any(d.starts_on < starts_on or d.ends_on > ends_on for d in stream.deployments):
        raise Refused(message=_(
            "A coach deployment of this stream lies outside the new period: change or remove "
            "it first."), field="starts_on")
    outside = db.session.execute(
        select(Activity.starts_at).join(ActivityFunding, ActivityFunding.activity_id == Activity.id)
        .where(ActivityFunding.stream_id == stream.id)).scalars().all()
    if any(not starts_on <= local_day(moment) <= ends_on for moment in outside):
        raise Refused(message=_(
            "An activity of this stream lies outside the new period: remove it from the "
            "stream first."), field="starts_on")


def _summary(stream: FundingStream) -> dict[str, Any]:
    return {"name": stream.name, "funder_organization_id": stream.funder_organization_id,
            "funder_name": stream.funder_name, "starts_on": stream.starts_on.isoformat(),
            "ends_on": stream.ends_on.isoformat(), "budget_euros": stream.budget_euros,
            "themes": list(stream.themes)}


def local_day(moment: Any) -> date:
    return moment.astimezone(local_zone()).date()


def day_start(day: date) -> datetime:
    """The first moment of a Dutch day."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


# --------------------------------------------------------------------------- coach deployment


def tag_deployment(coordinator: Any, stream: FundingStream, *, coach_id: int, building_id: int,
                   starts_on: date | None = None, ends_on: date | None = None
                   ) -> FundedDeployment:
    """The stream pays for this coach assignment, for the stream's period or part of it."""
    if db.session.get(CoachAssignment, (coach_id, building_id)) is None:
        raise Refused(message=_(
            "This coach does not work this building: assign the coach first."), field="deployment")
    starts_on = starts_on or stream.starts_on
    ends_on = ends_on or stream.ends_on
    if ends_on < starts_on:
        raise Refused(message=_("The end lies before the start."), field="ends_on")
    if starts_on < stream.starts_on or ends_on > stream.ends_on:
        raise Refused(message=_(
            "The deployment lies outside the stream's period (%(start)s up to and including "
            "%(end)s).", start=stream.starts_on.strftime("%d-%m-%Y"),
            end=stream.ends_on.strftime("%d-%m-%Y")), field="starts_on")
    if any(d.coach_id == coach_id and d.building_id == building_id for d in stream.deployments):
        raise Refused(message=_(
            "This coach's work in this building is funded by this stream already."),
            field="deployment")
    deployment = FundedDeployment(coach_id=coach_id, building_id=building_id,
                                  starts_on=starts_on, ends_on=ends_on)
    stream.deployments.append(deployment)
    db.session.flush()
    record_event("funding_tagged", actor=coordinator, object_type=stream.object_type,
                 object_id=stream.id, details={
                     "coach_id": coach_id, "building_id": building_id,
                     "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    return deployment


def untag_deployment(coordinator: Any, stream: FundingStream,
                     deployment: FundedDeployment) -> None:
    stream.deployments.remove(deployment)
    db.session.flush()
    record_event("funding_untagged", actor=coordinator, object_type=stream.object_type,
                 object_id=stream.id, details={"coach_id": deployment.coach_id,
                                               "building_id": deployment.building_id})


# --------------------------------------------------------------------------- activities


def tag_activity(coordinator: Any, stream: FundingStream, activity: Activity) -> None:
    if activity.cancelled_at is not None:
        raise Refused(message=_("A cancelled activity is not funded."), field="activity_id")
    if not stream.starts_on <= local_day(activity.starts_at) <= stream.ends_on:
        raise Refused(message=_(
            "The activity takes place outside the stream's period."), field="activity_id")
    if db.session.get(ActivityFunding, (activity.id, stream.id)) is not None:
        raise Refused(message=_("This activity is funded by this stream already."),
                      field="activity_id")
    stream.activities.append(ActivityFunding(activity_id=activity.id))
    db.session.flush()
    record_event("funding_tagged", actor=coordinator, object_type=stream.object_type,
                 object_id=stream.id, details={"activity_id": activity.id})


def untag_activity(coordinator: Any, stream: FundingStream, activity_id: int) -> None:
    tag = db.session.get(ActivityFunding, (activity_id, stream.id))
    if tag is None:
        raise Refused(message=_("This activity is not funded by this stream."), field="activity_id")
    stream.activities.remove(tag)
    db.session.flush()
    record_event("funding_untagged", actor=coordinator, object_type=stream.object_type,
                 object_id=stream.id, details={"activity_id": activity_id})


# --------------------------------------------------------------------------- all tags at once


def set_tags(coordinator: Any, stream: FundingStream, *,
             activity_ids: Iterable[int] | None = None,
             deployments: Iterable[Mapping[str, Any]] | None = None) -> None:
    """The API's way: the stream's activities and deployments become exactly these (None:
    unchanged). A deployment whose period changes is tagged anew."""
    if activity_ids is not None:
        wanted = list(dict.fromkeys(activity_ids))
        present = {tag.activity_id for tag in stream.activities}
        for activity_id in sorted(present - set(wanted)):
            untag_activity(coordinator, stream, activity_id)
        for activity_id in wanted:
            if activity_id in present:
                continue
            activity = db.session.get(Activity, activity_id)
            if activity is None:
                raise Refused(message=_("Unknown activity: %(id)s.",
                                        id=activity_id), field="activity_ids")
            tag_activity(coordinator, stream, activity)
    if deployments is not None:
        wanted_deployments = {(d["coach_id"], d["building_id"]): d for d in deployments}
        for deployment in list(stream.deployments):
            want = wanted_deployments.get((deployment.coach_id, deployment.building_id))
            if want is None or (want.get("starts_on") or stream.starts_on,
                                want.get("ends_on") or stream.ends_on) != (
                    deployment.starts_on, deployment.ends_on):
                untag_deployment(coordinator, stream, deployment)
        present_keys = {(d.coach_id, d.building_id) for d in stream.deployments}
        for key, want in wanted_deployments.items():
            if key not in present_keys:
                tag_deployment(coordinator, stream, coach_id=key[0], building_id=key[1],
                               starts_on=want.get("starts_on"), ends_on=want.get("ends_on"))
