"""The coordinator's pages for funding streams: the list, a stream with what it pays for
(tagging coach assignments and activities), recording and changing one, and the funder's
account — with charts, as a printable page and as CSV."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.access import require
from app.auth.models import User
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.buildings.models import Building, CoachAssignment
from app.buurtkamer.models import Activity
from app.db import db, utcnow
from app.errors import Refused
from app.funding.account import AccountPeriod, PeriodUnknown, period_of, periods, view_account
from app.funding.export import account_csv
from app.funding.forms import AccountFilter, ActivityTagForm, DeploymentForm, StreamForm
from app.funding.models import ActivityFunding, FundedDeployment, FundingStream
from app.funding.operations import (
    create_stream,
    day_start,
    local_day,
    tag_activity,
    tag_deployment,
    untag_activity,
    untag_deployment,
    update_stream,
)
from app.funding.schemas import StreamCreateSchema
from app.insight.views import cell_text, chart
from app.organizations.models import Organization
from app.web.formkit import apply_schema
from app.web.pages import DB_ID, show_refusal
from policies import Action

bp = Blueprint("funding_pages", __name__, template_folder="templates")

# Form field that shows a refusal of each field the operations name.
FIELD_OF = {"deployment": "assignment", "activity_ids": "activity_id"}


def euros(amount: int | None) -> str:
    if amount is None:
        return "—"
    return format_currency(amount, "EUR", format="¤ #,##0", currency_digits=False)


@bp.app_template_filter("euros")
def _euros(amount: int | None) -> str:
    return euros(amount)


def _stream(stream_id: int) -> FundingStream:
    stream = db.session.get(FundingStream, stream_id)
    if stream is None:
        not_found()
    return stream


def _organizations() -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in db.session.execute(
        select(Organization.id, Organization.name).order_by(Organization.name)).all()]


def _refused(form: FlaskForm, refused: Refused) -> None:
    show_refusal(refused, form, FIELD_OF.get(refused.field or "", refused.field))


# --------------------------------------------------------------------------- the streams


@bp.route("/funding")
@require(Permission.FUNDING_MANAGE)
def streams() -> Any:
    found = db.session.execute(
        select(FundingStream).options(selectinload(FundingStream.deployments),
                                      selectinload(FundingStream.activities))
        .order_by(FundingStream.starts_on.desc(), FundingStream.name)).scalars().all()
    return render_template("funding/streams.html", streams=found)


@bp.route("/funding/new", methods=["GET", "POST"])
@require(Permission.FUNDING_MANAGE)
def new() -> Any:
    form = StreamForm(_organizations())
    if not form.is_submitted():
        return render_template("funding/form.html", form=form, stream=None)
    if form.validate() and (data := apply_schema(form, StreamCreateSchema(), _input(form))):
        try:
            stream = create_stream(current_user, data)
        except Refused as refused:
            _refused(form, refused)
        else:
            flash(_("Funding stream %(name)s recorded. Tag what it pays for below.",
                    name=stream.name))
            return redirect(url_for("funding_pages.stream", stream_id=stream.id))
    return render_template("funding/form.html", form=form, stream=None), 422


def _input(form: StreamForm) -> dict[str, Any]:
    """The form's values as the API sends them (dates as text, nothing empty)."""
    values = form.values()
    for name in ("starts_on", "ends_on"):
        values[name] = values[name].isoformat() if values[name] else None
    if not values["funder_name"]:
        del values["funder_name"]
    return {name: value for name, value in values.items() if value is not None or
            name in ("funder_organization_id", "budget_euros")}


@bp.route(f"/funding/<{DB_ID}:stream_id>/edit", methods=["GET", "POST"])
@require(Permission.FUNDING_MANAGE)
def edit(stream_id: int) -> Any:
    stream = _stream(stream_id)
    if request.method == "GET":
        form = StreamForm(_organizations(), formdata=None, data={
            "name": stream.name, "funder_organization_id": str(stream.funder_organization_id or ""),
            "funder_name": stream.funder_name, "starts_on": stream.starts_on,
            "ends_on": stream.ends_on, "budget_euros": stream.budget_euros,
            "themes": list(stream.themes)})
        return render_template("funding/form.html", form=form, stream=stream)
    form = StreamForm(_organizations())
    if form.validate() and (data := apply_schema(form, StreamCreateSchema(), _input(form))):
        data.setdefault("funder_name", "")
        try:
            update_stream(current_user, stream, data)
        except Refused as refused:
            _refused(form, refused)
        else:
            flash(_("Funding stream %(name)s changed.", name=stream.name))
            return redirect(url_for("funding_pages.stream", stream_id=stream.id))
    return render_template("funding/form.html", form=form, stream=stream), 422


# --------------------------------------------------------------------------- tagging


def _assignments(stream: FundingStream) -> list[tuple[str, str]]:
    """Current coach assignments not yet tagged with the stream: ("coach-building", text)."""
    tagged = {(d.coach_id, d.building_id) for d in stream.deployments}
    rows = db.session.execute(
        select(CoachAssignment.user_id, CoachAssignment.building_id, User.name, Building.name)
        .join(User, User.id == CoachAssignment.user_id)
        .join(Building, Building.id == CoachAssignment.building_id)
        .order_by(Building.name, User.name)).all()
    return [(f"{coach_id}-{building_id}", f"{building} · {coach}")
            for coach_id, building_id, coach, building in rows
            if (coach_id, building_id) not in tagged]


def _activities(stream: FundingStream) -> list[tuple[int, str]]:
    """Activities in the stream's period, not cancelled and not yet tagged with it."""
    tagged = select(ActivityFunding.activity_id).where(ActivityFunding.stream_id == stream.id)
    rows = db.session.execute(
        select(Activity.id, Activity.starts_at, Activity.title, Building.name)
        .join(Building, Building.id == Activity.building_id)
        .where(Activity.cancelled_at.is_(None),
               Activity.starts_at >= day_start(stream.starts_on),
               Activity.starts_at < day_start(stream.ends_on + timedelta(days=1)),
               Activity.id.not_in(tagged))
        .order_by(Activity.starts_at.desc(), Activity.id)).all()
    return [(i, f"{local_day(starts).strftime('%d-%m-%Y')} · {building} · {title}")
            for i, starts, title, building in rows]


def _tagged_activities(stream: FundingStream) -> list[Activity]:
    return list(db.session.execute(
        select(Activity).join(ActivityFunding, ActivityFunding.activity_id == Activity.id)
        .where(ActivityFunding.stream_id == stream.id)
        .options(selectinload(Activity.building))
        .order_by(Activity.starts_at.desc(), Activity.id)).scalars())


@bp.route(f"/funding/<{DB_ID}:stream_id>")
@require(Permission.FUNDING_MANAGE)
def stream(stream_id: int, deployment_form: DeploymentForm | None = None,
           activity_form: ActivityTagForm | None = None) -> Any:
    item = _stream(stream_id)
    deployment_form = deployment_form or DeploymentForm(_assignments(item), formdata=None)
    activity_form = activity_form or ActivityTagForm(_activities(item), formdata=None)
    return render_template("funding/stream.html", stream=item,
                           deployment_form=deployment_form, activity_form=activity_form,
                           activities=_tagged_activities(item), now=utcnow())


@bp.route(f"/funding/<{DB_ID}:stream_id>/deployments", methods=["POST"])
@require(Permission.FUNDING_MANAGE)
def add_deployment(stream_id: int) -> Any:
    item = _stream(stream_id)
    form = DeploymentForm(_assignments(item))
    if form.validate_on_submit():
        coach_id, building_id = form.chosen()
        try:
            tag_deployment(current_user, item, coach_id=coach_id, building_id=building_id,
                           starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        except Refused as refused:
            _refused(form, refused)
        else:
            flash(_("The stream now pays for this coach's work in the building."))
            return redirect(url_for("funding_pages.stream", stream_id=item.id,
                                    _anchor="deployment"))
    return stream(item.id, deployment_form=form), 422


@bp.route(f"/funding/<{DB_ID}:stream_id>/deployments/<{DB_ID}:deployment_id>/remove",
          methods=["POST"])
@require(Permission.FUNDING_MANAGE)
def remove_deployment(stream_id: int, deployment_id: int) -> Any:
    item = _stream(stream_id)
    deployment = db.session.get(FundedDeployment, deployment_id)
    if deployment is None or deployment.stream_id != item.id:
        not_found()
    if not FlaskForm().validate_on_submit():
        return stream(item.id), 400
    untag_deployment(current_user, item, deployment)
    flash(_("The stream no longer pays for this coach's work in the building."))
    return redirect(url_for("funding_pages.stream", stream_id=item.id, _anchor="deployment"))


@bp.route(f"/funding/<{DB_ID}:stream_id>/activities", methods=["POST"])
@require(Permission.FUNDING_MANAGE)
def add_activity(stream_id: int) -> Any:
    item = _stream(stream_id)
    form = ActivityTagForm(_activities(item))
    if form.validate_on_submit():
        activity = db.session.get(Activity, int(form.activity_id.data))
        try:
            if activity is None:
                raise Refused(message=_("Choose an activity from the list."), field="activity_id")
            tag_activity(current_user, item, activity)
        except Refused as refused:
            _refused(form, refused)
        else:
            flash(_("The stream now pays for %(title)s.", title=activity.title))
            return redirect(url_for("funding_pages.stream", stream_id=item.id,
                                    _anchor="activities"))
    return stream(item.id, activity_form=form), 422


@bp.route(f"/funding/<{DB_ID}:stream_id>/activities/<{DB_ID}:activity_id>/remove",
          methods=["POST"])
@require(Permission.FUNDING_MANAGE)
def remove_activity(stream_id: int, activity_id: int) -> Any:
    item = _stream(stream_id)
    if db.session.get(ActivityFunding, (activity_id, item.id)) is None:
        not_found()
    if not FlaskForm().validate_on_submit():
        return stream(item.id), 400
    untag_activity(current_user, item, activity_id)
    flash(_("The stream no longer pays for this activity."))
    return redirect(url_for("funding_pages.stream", stream_id=item.id, _anchor="activities"))


# --------------------------------------------------------------------------- the account


def _period(item: FundingStream) -> tuple[AccountFilter, AccountPeriod]:
    offered = periods(item, local_day(utcnow()))
    filters = AccountFilter([(p.key, p.label) for p in offered])
    filters.validate()
    try:
        return filters, period_of(item, filters.value("period"), local_day(utcnow()))
    except PeriodUnknown:
        filters.period.data = offered[0].key
        return filters, offered[0]


def _shown(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with its chart and the cells as the page writes them (the key figures
    too)."""
    for figure in result["figures"]:
        figure["text"] = cell_text(figure, "count")
    shown = []
    for table in result["tables"]:
        kinds = {column["id"]: column["kind"] for column in table["columns"]}
        rows = [dict(row, texts={c: cell_text(cell, kinds[c]) for c, cell in row["cells"].items()})
                for row in table["rows"]]
        shown.append(dict(table, chart_view=chart(table), table_rows=rows))
    return shown


@bp.route(f"/funding/<{DB_ID}:stream_id>/account")
@require(Permission.FUNDING_MANAGE)
def account(stream_id: int) -> Any:
    item = _stream(stream_id)
    filters, period = _period(item)
    result = view_account(current_user, item, period, Action.VIEW_INSIGHT, "page")
    return render_template("funding/account.html", stream=item, result=result,
                           tables=_shown(result), filters=filters, period=period)


@bp.route(f"/funding/<{DB_ID}:stream_id>/account/print")
@require(Permission.FUNDING_MANAGE)
def account_print(stream_id: int) -> Any:
    item = _stream(stream_id)
    _filters, period = _period(item)
    result = view_account(current_user, item, period, Action.VIEW_INSIGHT, "print")
    return render_template("funding/account_print.html", stream=item, result=result,
                           tables=_shown(result), period=period)


@bp.route(f"/funding/<{DB_ID}:stream_id>/account.csv")
@require(Permission.FUNDING_MANAGE)
def account_download(stream_id: int) -> Any:
    item = _stream(stream_id)
    _filters, period = _period(item)
    result = view_account(current_user, item, period, Action.EXPORT, "csv")
    return account_csv(result)
