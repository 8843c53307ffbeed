"""One door: record a visit in a tap ("not home") or a conversation in under a minute."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.buildings.scope import dwelling_in_scope
from app.cases.models import Case
from app.db import db
from app.errors import Refused
from app.residents.duplicates import decide, flag_in_scope, flags_query
from app.residents.models import PossibleDuplicate, Resident
from app.residents.operations import register_resident
from app.residents.schemas import ResidentCreateSchema
from app.visits.forms import NEW_RESIDENT, DuplicateDecisionForm, NotHomeForm, VisitForm
from app.visits.models import Visit
from app.visits.operations import VisitInvalid, record_visit, take_back_visit
from app.visits.queries import conversations, dwelling_visits
from app.visits.schemas import VisitCreateSchema
from app.web.formkit import apply_schema
from app.web.pages import DB_ID, show_refusal
from workflows.case import CASE_OPEN_STATES

bp = Blueprint("visits_pages", __name__, template_folder="templates")

RESIDENT_FIELDS = {"display_name": "new_resident_name", "birth_year": "new_resident_birth_year",
                   "phone": "new_resident_phone", "languages": "new_resident_languages"}
VISIT_FIELDS = {"resident_id": "resident"}


def _residents(dwelling: Dwelling) -> list[Resident]:
    return list(db.session.execute(
        select(Resident).where(Resident.dwelling_id == dwelling.id,
                               Resident.anonymised_at.is_(None))
        .order_by(Resident.display_name)
    ).scalars())


def _render(dwelling: Dwelling, form: VisitForm | None = None, status: int = 200) -> Any:
    residents = _residents(dwelling)
    with_open_case = set(db.session.execute(
        select(Case.resident_id).where(Case.resident_id.in_([r.id for r in residents]),
                                       Case.state.in_(CASE_OPEN_STATES))
    ).scalars()) if residents else set()
    talks = conversations(dwelling_id=dwelling.id)
    form = form or VisitForm(residents, formdata=None,
                             data=_from_last_conversation(dwelling, talks, residents))
    duplicates = db.session.execute(
        flags_query(current_user).where(PossibleDuplicate.dwelling_id == dwelling.id)
    ).scalars().all()
    return render_template("visits/dwelling.html", dwelling=dwelling, residents=residents,
                           with_open_case=with_open_case, form=form,
                           not_home=NotHomeForm(formdata=None), duplicates=duplicates,
                           visits=dwelling_visits(dwelling.id), talks=talks), status


def _from_last_conversation(dwelling: Dwelling, talks: list[Visit],
                            residents: list[Resident]) -> dict[str, Any]:
    """The next conversation starts from what the household answered last, and with whom:
    the coach changes what changed. Its notes start empty: they are this visit's own."""
    if not talks:
        return {"household_size": dwelling.household_size}
    last = talks[0]
    here = {resident.id for resident in residents}
    return {
        "resident": str(last.resident_id) if last.resident_id in here else None,
        "themes": list(last.themes), "offers": list(last.offers), "wishes": list(last.wishes),
        "willingness": str(last.willingness) if last.willingness is not None else None,
        "household_size": dwelling.household_size,
    }


def _back_to_building(dwelling: Dwelling) -> Any:
    return redirect(url_for("buildings_pages.building", building_id=dwelling.building_id,
                            _anchor=f"floor-{dwelling.floor}"))


@bp.route(f"/dwellings/<{DB_ID}:dwelling_id>")
@require(Permission.VISITS_CREATE)
def dwelling(dwelling_id: int) -> Any:
    return _render(dwelling_in_scope(current_user, dwelling_id))


@bp.route(f"/dwellings/<{DB_ID}:dwelling_id>/not-home", methods=["POST"])
@require(Permission.VISITS_CREATE)
def not_home(dwelling_id: int) -> Any:
    dwelling = dwelling_in_scope(current_user, dwelling_id)
    if not NotHomeForm().validate_on_submit():
        return _render(dwelling, status=422)
    visit = record_visit(current_user, dwelling, {"outcome": "not_home"})
    # The building's page confirms it where the coach is, with a way to take it back.
    session["just_recorded_visit"] = str(visit.id)
    return _back_to_building(dwelling)


@bp.route("/visits/<uuid:visit_id>/take-back", methods=["POST"])
@require(Permission.VISITS_CREATE)
def take_back(visit_id: uuid.UUID) -> Any:
    """Undo a "nobody home" tapped by mistake: the coach who tapped it, shortly after."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.coach_id != current_user.id:
        abort(404)
    dwelling = dwelling_in_scope(current_user, visit.dwelling_id)
    if not NotHomeForm().validate_on_submit():
        return _render(dwelling, status=400)
    try:
        take_back_visit(current_user, visit)
    except VisitInvalid as refused:
        show_refusal(refused)
        return _render(dwelling, status=422)
    flash(_("Taken back: the visit to %(address)s is not recorded.", address=dwelling.address))
    return redirect(url_for("visits_pages.dwelling", dwelling_id=dwelling.id))


@bp.route(f"/dwellings/<{DB_ID}:dwelling_id>/visits", methods=["POST"])
@require(Permission.VISITS_CREATE)
def record(dwelling_id: int) -> Any:
    dwelling = dwelling_in_scope(current_user, dwelling_id)
    form = VisitForm(_residents(dwelling))
    if not form.validate_on_submit():
        return _render(dwelling, form, 422)
    new_resident = None
    if form.resident.data == NEW_RESIDENT:
        if not (form.new_resident_name.data or "").strip():
            form.new_resident_name.errors = [_("Give the name the resident wants to be called by.")]
            return _render(dwelling, form, 422)
        languages = [x.strip() for x in (form.new_resident_languages.data or "").split(",")
                     if x.strip()]
        resident_data = apply_schema(form, ResidentCreateSchema(), {
            "dwelling_id": dwelling.id,
            "display_name": form.new_resident_name.data,
            "birth_year": form.new_resident_birth_year.data,
            "phone": (form.new_resident_phone.data or "").strip() or None,
            "languages": languages,
        }, RESIDENT_FIELDS)
        if resident_data is None:
            return _render(dwelling, form, 422)
        new_resident = register_resident(current_user, dwelling, resident_data)
    resident_id = (str(new_resident.id) if new_resident is not None
                   else form.resident.data if form.resident.data not in (None, "", "None")
                   else None)
    willingness = form.willingness.data
    visit_data = apply_schema(form, VisitCreateSchema(), {
        "dwelling_id": dwelling.id,
        "outcome": form.outcome.data,
        "themes": form.themes.data or [],
        "offers": form.offers.data or [],
        "wishes": form.wishes.data or [],
        "willingness": int(willingness) if willingness not in (None, "", "None") else None,
        "household_size": form.household_size.data,
        "notes": form.notes.data or "",
        "resident_id": resident_id,
        "open_case": bool(form.open_case.data),
    }, VISIT_FIELDS)
    if visit_data is None:
        db.session.rollback()
        return _render(dwelling, form, 422)
    try:
        visit = record_visit(current_user, dwelling, visit_data)
    except VisitInvalid as invalid:
        show_refusal(invalid, form, VISIT_FIELDS.get(invalid.field, invalid.field))
        return _render(dwelling, form, 422)
    if visit.case_id is not None:
        flash(_("Visit recorded and case opened."))
    else:
        flash(_("Visit recorded."))
    if new_resident is not None and db.session.execute(
            flags_query(current_user).where(PossibleDuplicate.resident_id == new_resident.id)
    ).first() is not None:
        flash(_("%(name)s resembles a resident already registered at this door: decide on "
                "the door's page whether they are one person.", name=new_resident.display_name))
    if visit.resident_id is not None:
        return redirect(url_for("residents_pages.resident", resident_id=visit.resident_id))
    return _back_to_building(dwelling)


@bp.route(f"/dwellings/<{DB_ID}:dwelling_id>/duplicates/<{DB_ID}:flag_id>", methods=["POST"])
@require(Permission.RESIDENTS_CREATE)
def resolve_duplicate(dwelling_id: int, flag_id: int) -> Any:
    """One person (merge) or two (keep) — a logged decision, never taken by itself."""
    dwelling = dwelling_in_scope(current_user, dwelling_id)
    flag = flag_in_scope(current_user, flag_id)
    if flag is None or flag.dwelling_id != dwelling.id:
        abort(404)
    form = DuplicateDecisionForm()
    if not form.validate_on_submit():
        return _render(dwelling, status=400)
    try:
        kept = decide(current_user, flag, form.decision.data)
    except Refused as refused:
        show_refusal(refused)
        return _render(dwelling, status=422)
    flash(_("Merged: %(name)s is one person.", name=kept.display_name) if kept is not None
          else _("Kept apart: two people with similar names live here."))
    return redirect(url_for("visits_pages.dwelling", dwelling_id=dwelling.id))
