"""Buurtkamer activities: planning, changing, cancelling and counting who came (a number,
never names), and the residents who organise them.

A resident is named as organiser only under a consent of their own: purpose
`resident_connection`, recipient the organisation running the activity, categories
including `identity`, given and still valid. Showing the name later is a disclosure of its
own (see `app.buurtkamer.reading`); it ends the moment the consent no longer allows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.audit.operations import record_event
from app.auth.models import User
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.recording import request_consent
from app.db import db, utcnow
from app.errors import NotFound, Refused
from app.residents.models import Resident
from app.residents.operations import refuse_anonymised_resident
from app.web.labels import label
from policies import default_valid_until

RESIDENT_CONNECTION = "resident_connection"
# Naming an organiser discloses who they are, nothing more.
NAMING_CATEGORIES = ("identity",)
EDITABLE = ("title", "theme", "starts_at", "place", "organising_coach_id")
# An activity is planned up to a year ahead, or noted up to a month after it took place.
PLAN_AHEAD = timedelta(days=366)
NOTE_AFTER = timedelta(days=31)


# --- who runs an activity --------------------------------------------------------------------

def running_coach(activity: Activity) -> User | None:
    """The organising coach, or (residents alone) the coach who planned it."""
    return activity.organising_coach if activity.organising_coach_id else activity.created_by


def running_organization_id(activity: Activity) -> int | None:
    """The organisation running the activity: the organising coach's, or (residents alone)
    that of the coach who planned it. Organisers consent to being named by this one."""
    coach = running_coach(activity)
    return coach.organization_id if coach is not None else None


def building_coaches(building_id: int) -> list[User]:
    """The active flatcoaches assigned to the building, by name."""
    return list(db.session.execute(
        select(User).join(CoachAssignment, CoachAssignment.user_id == User.id)
        .where(CoachAssignment.building_id == building_id, User.role == Role.FLATCOACH,
               User.active.is_(True))
        .order_by(User.name, User.id)
    ).scalars())


def start_outside_window(starts_at: datetime, now: datetime | None = None) -> str | None:
    """Why an activity cannot be planned at, or moved to, `starts_at` (None: it can)."""
    now = now or utcnow()
    if starts_at > now + PLAN_AHEAD:
        return _("Plan an activity at most a year ahead.")
    if starts_at < now - NOTE_AFTER:
        return _("An activity can be noted at most a month after it took place.")
    return None


def _check_organising_coach(building_id: int, coach_id: int | None) -> None:
    if coach_id is None:
        return
    if coach_id not in {coach.id for coach in building_coaches(building_id)}:
        raise Refused(message=_("The organising coach must be a flatcoach of this building."),
                      field="organising_coach_id")


# --- planning, changing, cancelling, counting ------------------------------------------------

def plan_activity(coach: Any, building: Building, data: Mapping[str, Any]) -> Activity:
    """A new activity in `building`. `organising_coach_id` None: residents organise alone."""
    organising_coach_id = data.get("organising_coach_id")
    _check_organising_coach(building.id, organising_coach_id)
    activity = Activity(
        building_id=building.id,
        title=data["title"],
        theme=data["theme"],
        starts_at=data["starts_at"],
        place=data["place"],
        organising_coach_id=organising_coach_id,
        created_by_id=coach.id,
    )
    db.session.add(activity)
    db.session.flush()
    # The audit log is kept for good: no free text in it (a title may name someone).
    record_event("activity_planned", actor=coach, object_type="activity",
                 object_id=activity.id,
                 details={"building_id": building.id, "theme": activity.theme,
                          "starts_at": activity.starts_at.isoformat(),
                          "organised_by": "coach" if organising_coach_id else "residents"})
    return activity


def change_activity(coach: Any, activity: Activity, data: Mapping[str, Any],
                    now: datetime | None = None) -> Activity:
    """Edit, cancel (`cancelled: true`) or record participation (`participant_count`) — what
    one PATCH asks for, all or nothing."""
    now = now or utcnow()
    edits = {name: data[name] for name in EDITABLE if name in data}
    cancel = data.get("cancelled")
    count = data.get("participant_count")
    if activity.cancelled_at is not None:
        if cancel is True and not edits and count is None:
            return activity  # cancelled already: nothing changes
        raise Refused(message=_("This activity is cancelled; plan a new one instead."),
                      field="_schema")
    if cancel is True and count is not None:
        raise Refused(message=_("Cancel the activity or record who came, not both."),
                      field="_schema")
    if edits:
        edit_activity(coach, activity, edits, now)
    if count is not None:
        record_participation(coach, activity, count, now)
    if cancel is True:
        cancel_activity(coach, activity, now)
    return activity


def edit_activity(coach: Any, activity: Activity, edits: Mapping[str, Any],
                  now: datetime | None = None) -> Activity:
    now = now or utcnow()
    if activity.cancelled_at is not None:
        raise Refused(message=_("This activity is cancelled; plan a new one instead."),
                      field="_schema")
    changed = sorted(name for name, value in edits.items() if getattr(activity, name) != value)
    if not changed:
        return activity
    if "organising_coach_id" in changed:
        _check_organising_coach(activity.building_id, edits["organising_coach_id"])
        _keep_organisers_consent(activity, edits["organising_coach_id"])
    # Only a new start must lie in the window: an activity noted long ago keeps its date
    # while its title or place is corrected.
    if "starts_at" in changed and (problem := start_outside_window(edits["starts_at"], now)):
        raise Refused(message=problem, field="starts_at")
    if ("starts_at" in changed and activity.participant_count is not None
            and edits["starts_at"] > now):
        raise Refused(message=_("Participation has been recorded: the activity cannot move "
                                "into the future."), field="starts_at")
    for name in changed:
        setattr(activity, name, edits[name])
    db.session.flush()
    if "organising_coach_id" in changed:
        db.session.expire(activity, ["organising_coach"])  # loaded for the old coach
    record_event("activity_changed", actor=coach, object_type="activity", object_id=activity.id,
                 details={"fields": changed})
    return activity


def _keep_organisers_consent(activity: Activity, coach_id: int | None) -> None:
    """Organisers consented to being named by the organisation running the activity; another
    organisation would leave them unnamed, so that change waits until they are removed."""
    if not activity.organisers:
        return
    before = running_organization_id(activity)
    coach = db.session.get(User, coach_id or activity.created_by_id)
    after = coach.organization_id if coach is not None else None
    if after != before:
        raise Refused(
            message=_("The residents who organise this activity consented to being named by "
                      "the organisation running it now, not by another one. Remove them as "
                      "organisers first, or choose a coach of the same organisation."),
            field="organising_coach_id")


def record_participation(coach: Any, activity: Activity, count: int,
                         now: datetime | None = None) -> Activity:
    """How many people came: a number, never names; once the activity has started."""
    now = now or utcnow()
    if activity.cancelled_at is not None:
        raise Refused(message=_("This activity is cancelled: there is no participation to "
                                "record."), field="participant_count")
    if activity.starts_at > now:
        raise Refused(message=_("Participation can be recorded once the activity has started."),
                      field="participant_count")
    previous = activity.participant_count
    activity.participant_count = count
    db.session.flush()
    record_event("participation_recorded", actor=coach, object_type="activity",
                 object_id=activity.id,
                 details={"participant_count": count, "previous": previous})
    return activity


def cancel_activity(coach: Any, activity: Activity, now: datetime | None = None) -> Activity:
    now = now or utcnow()
    if activity.cancelled_at is not None:
        return activity
    if activity.participant_count is not None:
        raise Refused(message=_("Participation has been recorded: this activity took place "
                                "and cannot be cancelled."), field="cancelled")
    activity.cancelled_at = now
    db.session.flush()
    record_event("activity_cancelled", actor=coach, object_type="activity",
                 object_id=activity.id)
    return activity


# --- residents who organise ------------------------------------------------------------------

def naming_consent_gaps(consent: Consent, resident: Resident, activity: Activity,
                        now: datetime | None = None) -> list[str]:
    """What keeps `consent` from allowing `resident` to be named as organiser of `activity`
    ([]: nothing does): `resident`, `purpose`, `organisation`, `identity`, `state`,
    `validity`."""
    now = now or utcnow()
    if consent.resident_id != resident.id:
        return ["resident"]
    gaps = []
    if consent.purpose != RESIDENT_CONNECTION:
        gaps.append("purpose")
    if consent.recipient_organization_id is None or (
            consent.recipient_organization_id != running_organization_id(activity)):
        gaps.append("organisation")
    if not set(NAMING_CATEGORIES) <= set(consent.data_categories):
        gaps.append("identity")
    if consent.state != "given":
        gaps.append("state")
    elif not consent.is_valid_at(now):
        gaps.append("validity")
    return gaps


def describe_gap(gap: str, consent: Consent) -> str:
    return {
        "resident": lambda: _("the consent belongs to another resident"),
        "purpose": lambda: _("it is for %(purpose)s, not for connecting residents",
                             purpose=label(consent.purpose, "purpose")),
        "organisation": lambda: _("it is not for the organisation running this activity"),
        "identity": lambda: _("it does not cover the resident's name (identity)"),
        "state": lambda: _("it is not given (now: %(state)s)",
                           state=label(consent.state, "consent_state")),
        "validity": lambda: _("its validity has ended"),
    }[gap]()


def find_naming_consent(resident: Resident, activity: Activity,
                        now: datetime | None = None) -> Consent | None:
    """A consent of the resident that allows naming them as organiser, valid longest."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(Consent).where(Consent.resident_id == resident.id,
                              Consent.purpose == RESIDENT_CONNECTION,
                              Consent.is_valid_at(now))
        .order_by(Consent.valid_until.desc(), Consent.id)
    ).scalars()
    return next((consent for consent in candidates
                 if not naming_consent_gaps(consent, resident, activity, now)), None)


def _check_may_organise(activity: Activity, resident: Resident) -> None:
    """Residents of the activity's building organise it, so that every coach who manages
    the activity also works with them; each at most once."""
    refuse_anonymised_resident(resident, field="resident_id")
    if resident.dwelling.building_id != activity.building_id:
        raise Refused(message=_("Only residents of this building organise its activities."),
                      field="resident_id")
    if any(organiser.resident_id == resident.id for organiser in activity.organisers):
        raise Refused(message=_("This resident already organises this activity."),
                      field="resident_id")


def add_organiser(coach: Any, activity: Activity, resident: Resident, consent: Consent,
                  now: datetime | None = None) -> ActivityOrganiser:
    """Name `resident` as organiser under `consent` — only if it allows that now."""
    now = now or utcnow()
    if activity.cancelled_at is not None:
        raise Refused(message=_("This activity is cancelled; plan a new one instead."),
                      field="_schema")
    _check_may_organise(activity, resident)
    gaps = naming_consent_gaps(consent, resident, activity, now)
    if gaps:
        raise Refused(
            message=_("A resident is named as organiser only with their consent, and this "
                      "consent does not allow it: %(problems)s. Ask the resident for consent to "
                      "connect residents, for the organisation running the activity, including "
                      "their name.",
                      problems="; ".join(describe_gap(gap, consent) for gap in gaps)),
            field="consent_id")
    organiser = ActivityOrganiser(resident_id=resident.id, consent_id=consent.id)
    activity.organisers.append(organiser)
    db.session.flush()
    record_event("activity_organiser_added", actor=coach, object_type="activity",
                 object_id=activity.id,
                 details={"resident_id": str(resident.id), "consent_id": str(consent.id)})
    return organiser


def add_organiser_under_their_consent(coach: Any, activity: Activity, resident: Resident,
                                      now: datetime | None = None) -> ActivityOrganiser:
    """Name `resident` as organiser under a consent of theirs that allows it now (the one
    valid longest); without one, refused with what to do."""
    consent = find_naming_consent(resident, activity, now)
    if consent is None:
        raise Refused(
            message=_("%(name)s has no valid consent to be named as organiser by the "
                      "organisation running this activity. If the resident agrees now, "
                      "record it below.", name=resident.display_name),
            field="resident_id")
    return add_organiser(coach, activity, resident, consent, now)


def organiser_of(activity: Activity, resident_id: uuid.UUID) -> ActivityOrganiser:
    """The resident's role as organiser of the activity; not found when they have none."""
    organiser = next((o for o in activity.organisers if o.resident_id == resident_id), None)
    if organiser is None:
        raise NotFound()
    return organiser


def remove_organiser(coach: Any, activity: Activity, organiser: ActivityOrganiser) -> None:
    """The resident no longer organises it (their consent and the activity stay)."""
    resident_id = organiser.resident_id
    activity.organisers.remove(organiser)
    db.session.flush()
    record_event("activity_organiser_removed", actor=coach, object_type="activity",
                 object_id=activity.id, details={"resident_id": str(resident_id)})


def _naming_consent_request(coach: Any, activity: Activity, resident: Resident,
                            now: datetime) -> Consent:
    organization_id = running_organization_id(activity)
    if organization_id is None:
        raise Refused(message=_("The coach running this activity belongs to no organisation, "
                                "so there is no one to consent to."), field="_schema")
    try:
        return request_consent(coach, resident.id, {
            "purpose": RESIDENT_CONNECTION,
            "recipient_organization_id": organization_id,
            "data_categories": list(NAMING_CATEGORIES),
            "valid_until": default_valid_until(now),
        })
    except Refused as refused:
        raise Refused(message=refused.message, field="_schema") from refused


def request_naming_consent(coach: Any, activity: Activity, resident: Resident,
                           now: datetime | None = None) -> Consent:
    """Ask the resident's consent to be named as organiser (state `requested`); record the
    answer later on the consent's page, then name them."""
    now = now or utcnow()
    if activity.cancelled_at is not None:
        raise Refused(message=_("This activity is cancelled; plan a new one instead."),
                      field="_schema")
    _check_may_organise(activity, resident)
    return _naming_consent_request(coach, activity, resident, now)


def add_organiser_consenting_now(coach: Any, activity: Activity, resident: Resident,
                                 method: str, notice_version: str,
                                 now: datetime | None = None) -> ActivityOrganiser:
    """The resident agrees on the spot: the consent is asked, recorded as given (through the
    consent workflow) and relied on to name them as organiser."""
    now = now or utcnow()
    if activity.cancelled_at is not None:
        raise Refused(message=_("This activity is cancelled; plan a new one instead."),
                      field="_schema")
    _check_may_organise(activity, resident)
    consent = _naming_consent_request(coach, activity, resident, now)
    fire_consent(consent, "give", coach, {"method": method, "notice_version": notice_version},
                 now=now)
    return add_organiser(coach, activity, resident, consent, now)


# --- data subject requests -------------------------------------------------------------------

def organised_by(resident: Resident) -> list[dict[str, Any]]:
    """The activities the resident organises, for their Art. 15 export."""
    rows = db.session.execute(
        select(ActivityOrganiser, Activity)
        .join(Activity, ActivityOrganiser.activity_id == Activity.id)
        .where(ActivityOrganiser.resident_id == resident.id)
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    return [{"activity_id": activity.id, "title": activity.title, "theme": activity.theme,
             "starts_at": activity.starts_at.isoformat(), "place": activity.place,
             "building": activity.building.name,
             "cancelled_at": activity.cancelled_at.isoformat() if activity.cancelled_at
             else None,
             "named_under_consent_id": str(organiser.consent_id)}
            for organiser, activity in rows]


def forget_organiser(resident: Resident) -> int:
    """Erasure: the resident no longer appears as organiser anywhere; the activities stay."""
    result = db.session.execute(
        delete(ActivityOrganiser).where(ActivityOrganiser.resident_id == resident.id)
        .execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)
