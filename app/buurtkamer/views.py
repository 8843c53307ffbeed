"""Buurtkamer pages: the agenda per building (what is coming, what took place and how many
came), planning and changing an activity, counting who came in one tap, and the residents
who organise — named only while their consent allows it. Coordinators read every
building's agenda; they change nothing."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.buildings.models import Dwelling
from app.buildings.scope import building_in_scope, buildings_query
from app.buurtkamer.forms import (
    RESIDENTS_ALONE,
    ActivityForm,
    ConfirmForm,
    OrganiserForm,
    ParticipationForm,
)
from app.buurtkamer.models import Activity
from app.buurtkamer.operations import (
    add_organiser_consenting_now,
    add_organiser_under_their_consent,
    building_coaches,
    cancel_activity,
    edit_activity,
    organiser_of,
    plan_activity,
    record_participation,
    remove_organiser,
    request_naming_consent,
)
from app.buurtkamer.reading import read_activity, shown
from app.buurtkamer.schemas import ActivityCreateSchema, ActivityUpdateSchema
from app.buurtkamer.scope import activities_query, activity_in_scope
from app.consent.forms import notice_version
from app.db import db, utcnow
from app.errors import Refused
from app.lifecycle.firing import transition_errors
from app.residents.models import Resident
from app.residents.scope import residents_query
from app.web.formkit import REQUIRED, apply_schema, local_zone
from app.web.pages import DB_ID, paginate, show_refusal

bp = Blueprint("buurtkamer_pages", __name__, template_folder="templates")

UPCOMING_SHOWN = 50


def _may_manage() -> bool:
    return bool(current_user.can(Permission.ACTIVITIES_MANAGE))


@bp.route("/buurtkamer")
@require(Permission.ACTIVITIES_READ)
def agenda() -> Any:
    buildings = list(db.session.execute(buildings_query(current_user)).scalars())
    chosen = None
    building_id = request.args.get("building", type=int)
    if building_id is not None:
        chosen = next((b for b in buildings if b.id == building_id), None)
        if chosen is None:
            not_found()
    query = activities_query(current_user).options(*shown())
    if chosen is not None:
        query = query.where(Activity.building_id == chosen.id)
    now = utcnow()
    # What is coming: the first ones, with how many there are; what took place: by page.
    upcoming = paginate(query.where(Activity.starts_at >= now)
                        .order_by(Activity.starts_at, Activity.id),
                        number=1, per_page=UPCOMING_SHOWN)
    past = paginate(query.where(Activity.starts_at < now)
                    .order_by(Activity.starts_at.desc(), Activity.id.desc()))
    views = {activity.id: read_activity(current_user, activity, now)
             for activity in [*upcoming.items, *past.items]}
    page = render_template("buurtkamer/agenda.html", buildings=buildings, chosen=chosen,
                           upcoming=upcoming.items, upcoming_total=upcoming.total, past=past,
                           views=views, manage=_may_manage())
    return page


def _activity_form(buildings: list[Any] | None, building_ids: list[int], **kwargs: Any
                   ) -> ActivityForm:
    coaches: dict[int, Any] = {}
    for building_id in building_ids:
        coaches.update((coach.id, coach) for coach in building_coaches(building_id))
    ordered = sorted(coaches.values(), key=lambda c: (c.id != current_user.id, c.name))
    return ActivityForm(buildings, ordered, **kwargs)


@bp.route("/buurtkamer/new", methods=["GET", "POST"])
@require(Permission.ACTIVITIES_MANAGE)
def new() -> Any:
    buildings = list(db.session.execute(buildings_query(current_user)).scalars())
    preset = request.args.get("building", type=int)
    form = _activity_form(buildings, [b.id for b in buildings],
                          building_id=str(preset) if preset else None,
                          organising_coach_id=str(current_user.id), place="Buurtkamer")
    if not form.is_submitted():
        return render_template("buurtkamer/form.html", form=form, activity=None)
    data = None
    if form.validate():
        data = apply_schema(form, ActivityCreateSchema(), {
            "building_id": int(form.building_id.data),
            "title": form.title.data, "theme": form.theme.data,
            "starts_at": form.starts_at.aware(), "place": form.place.data,
            "organising_coach_id": form.organising_coach()})
    if data is None:
        return render_template("buurtkamer/form.html", form=form, activity=None), 422
    building = building_in_scope(current_user, data["building_id"])
    try:
        activity = plan_activity(current_user, building, data)
    except Refused as refused:
        show_refusal(refused, form)
        return render_template("buurtkamer/form.html", form=form, activity=None), 422
    flash(_("Activity planned."))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))


def _candidate_organisers(activity: Activity) -> list[Resident]:
    """Residents of the activity's building the coach works with, not organising it yet."""
    taken = {organiser.resident_id for organiser in activity.organisers}
    residents = db.session.execute(
        residents_query(current_user).options(joinedload(Resident.dwelling))
        .where(Dwelling.building_id == activity.building_id, Resident.anonymised_at.is_(None))
        .order_by(Resident.display_name, Dwelling.floor, Dwelling.number)
    ).scalars()
    return [resident for resident in residents if resident.id not in taken]


def render_activity_page(activity: Activity, *, participation: ParticipationForm | None = None,
                         organiser: OrganiserForm | None = None, status: int = 200) -> Any:
    manage = _may_manage()
    view = read_activity(current_user, activity)
    open_for_changes = manage and activity.cancelled_at is None
    if organiser is None and open_for_changes:
        organiser = OrganiserForm(_candidate_organisers(activity), formdata=None)
    if participation is None and open_for_changes and view["status"] == "past":
        participation = ParticipationForm(formdata=None,
                                          participant_count=activity.participant_count)
    page = render_template(
        "buurtkamer/activity.html", activity=activity, view=view, manage=manage,
        open_for_changes=open_for_changes, participation=participation,
        organiser=organiser if open_for_changes else None,
        notice_version=notice_version())
    return page, status


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>")
@require(Permission.ACTIVITIES_READ)
def activity(activity_id: int) -> Any:
    return render_activity_page(activity_in_scope(current_user, activity_id))


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>/edit", methods=["GET", "POST"])
@require(Permission.ACTIVITIES_MANAGE)
def edit(activity_id: int) -> Any:
    activity = activity_in_scope(current_user, activity_id)
    if activity.cancelled_at is not None:
        flash(_("This activity is cancelled; plan a new one instead."))
        return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
    coach = (str(activity.organising_coach_id) if activity.organising_coach_id
             else RESIDENTS_ALONE)
    form = _activity_form(
        None, [activity.building_id], title=activity.title, theme=activity.theme,
        place=activity.place, organising_coach_id=coach,
        starts_at=activity.starts_at.astimezone(local_zone()).replace(tzinfo=None))
    if not form.is_submitted():
        return render_template("buurtkamer/form.html", form=form, activity=activity)
    data = None
    if form.validate():
        starts_at = form.starts_at.aware()
        if starts_at == activity.starts_at.replace(second=0, microsecond=0):
            starts_at = activity.starts_at  # the form shows minutes: left as it was
        data = apply_schema(form, ActivityUpdateSchema(), {
            "title": form.title.data, "theme": form.theme.data,
            "starts_at": starts_at, "place": form.place.data,
            "organising_coach_id": form.organising_coach()})
    if data is None:
        return render_template("buurtkamer/form.html", form=form, activity=activity), 422
    try:
        edit_activity(current_user, activity, data)
    except Refused as refused:
        show_refusal(refused, form)
        return render_template("buurtkamer/form.html", form=form, activity=activity), 422
    flash(_("Activity saved."))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>/participation", methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
def participation(activity_id: int) -> Any:
    activity = activity_in_scope(current_user, activity_id)
    form = ParticipationForm()
    if not form.validate():
        return render_activity_page(activity, participation=form, status=422)
    try:
        record_participation(current_user, activity, form.participant_count.data)
    except Refused as refused:
        show_refusal(refused, form, "participant_count")
        return render_activity_page(activity, participation=form, status=422)
    flash(_("Participation recorded: %(count)s.", count=activity.participant_count))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>/cancel", methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
def cancel(activity_id: int) -> Any:
    activity = activity_in_scope(current_user, activity_id)
    if not ConfirmForm().validate():
        flash(_("Reload the page and try again."))
        return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
    try:
        cancel_activity(current_user, activity)
    except Refused as refused:
        show_refusal(refused)
        return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
    flash(_("Activity cancelled."))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>/organisers", methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
def organisers(activity_id: int) -> Any:
    """Name a resident as organiser: under a valid consent they have (`answer=existing`),
    one they give now (`answer=now`), or ask for it to be recorded later (`answer=ask`)."""
    activity = activity_in_scope(current_user, activity_id)
    if activity.cancelled_at is not None:  # its page no longer shows the form
        flash(_("This activity is cancelled; plan a new one instead."))
        return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
    form = OrganiserForm(_candidate_organisers(activity))
    answer = request.form.get("answer", "existing")
    valid = form.validate()
    if answer == "now":
        if not form.method.data or form.method.data == "None":
            form.method.errors = [*form.method.errors, str(REQUIRED)]
            valid = False
        if not form.notice_shown.data:
            form.notice_shown.errors = [_("Show the privacy notice before recording consent.")]
            valid = False
    if not valid:
        return render_activity_page(activity, organiser=form, status=422)
    resident = next(r for r in db.session.execute(
        residents_query(current_user).where(Resident.id == uuid.UUID(form.resident_id.data))
    ).scalars())
    try:
        with transition_errors():
            if answer == "ask":
                consent = request_naming_consent(current_user, activity, resident)
            elif answer == "now":
                add_organiser_consenting_now(current_user, activity, resident,
                                             form.method.data, notice_version())
            else:
                add_organiser_under_their_consent(current_user, activity, resident)
    except Refused as refused:
        show_refusal(refused, form)
        return render_activity_page(activity, organiser=form, status=422)
    if answer == "ask":
        flash(_("Consent asked. Record the resident's answer on the consent's page, then add "
                "them as organiser."))
        return redirect(url_for("consent_pages.consent", consent_id=consent.id))
    flash(_("Organiser added."))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))


@bp.route(f"/buurtkamer/<{DB_ID}:activity_id>/organisers/<uuid:resident_id>/remove",
          methods=["POST"])
@require(Permission.ACTIVITIES_MANAGE)
def remove(activity_id: int, resident_id: uuid.UUID) -> Any:
    activity = activity_in_scope(current_user, activity_id)
    organiser = organiser_of(activity, resident_id)
    if not ConfirmForm().validate():
        flash(_("Reload the page and try again."))
        return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
    remove_organiser(current_user, activity, organiser)
    flash(_("Organiser removed."))
    return redirect(url_for("buurtkamer_pages.activity", activity_id=activity.id))
