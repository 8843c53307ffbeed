"""Case pages: firing the coach's triggers, the help question, the notes per topic, and the
coach's list of cases."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import desc
from werkzeug.exceptions import HTTPException

from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import case_in_scope, cases_query
from app.cases.forms import CheckInForm, HelpQuestionForm, NotesForm
from app.cases.models import Case
from app.cases.operations import (
    CheckInNotAllowed,
    fire_case,
    record_checkin,
    set_help_question,
    update_notes,
)
from app.cases.schemas import CaseNotesSchema, CheckInInputSchema, HelpQuestionInputSchema
from app.db import db
from app.residents.views import render_resident_page
from app.transitions import anonymised_message, check_version, transition_errors
from app.web.formkit import TransitionForm, apply_schema
from app.web.labels import label
from app.web.pages import paginate, run_transition, set_hidden, with_argument_choices
from workflows.case import CASE_STATES, NEW_QUESTION, NO_MORE_CONTACT

bp = Blueprint("cases_pages", __name__, template_folder="templates")


def _back(case: Case) -> Any:
    return redirect(url_for("residents_pages.resident", resident_id=case.resident_id,
                            _anchor=f"case-{case.id}"))


@bp.route("/cases")
@require(Permission.CASES_READ)
def cases() -> Any:
    state = request.args.get("state", "")
    query = cases_query(current_user)
    if state in CASE_STATES:
        query = query.where(Case.state == state)
    else:
        state = ""
    page = paginate(query.order_by(desc(Case.opened_at)))
    return render_template("cases/cases.html", page=page, state=state, states=CASE_STATES)


@bp.route("/cases/<uuid:case_id>/transitions", methods=["POST"])
@require(Permission.CASES_TRANSITION)
def transition(case_id: uuid.UUID) -> Any:
    case = case_in_scope(current_user, case_id)
    form = with_argument_choices(TransitionForm(), case)
    outcome = run_transition(
        case, form, lambda arguments: fire_case(case, form.trigger.data, current_user, arguments))
    if outcome.done:
        flash(_("Case: %(state)s.", state=label(case.state, "case_state")))
        return _back(case)
    return render_resident_page(case.resident, failed=form, failed_case=case, outcome=outcome,
                                status=outcome.http_status)


@bp.route("/cases/<uuid:case_id>/check-ins", methods=["POST"])
@require(Permission.CASES_UPDATE)
def checkin(case_id: uuid.UUID) -> Any:
    """Record a check-in from the resident's page; a new question continues on the help
    question, which still reads as it did."""
    case = case_in_scope(current_user, case_id)
    form = CheckInForm()
    data = None
    if form.validate_on_submit():
        data = apply_schema(form, CheckInInputSchema(), {
            "outcome": form.outcome.data, "note": form.note.data or ""})
    if data is None:
        return render_resident_page(case.resident, failed_checkin=form, failed_case=case,
                                    status=422)
    try:
        with transition_errors():
            record_checkin(current_user, case, data)
            db.session.commit()
    except CheckInNotAllowed as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return render_resident_page(case.resident, failed_checkin=form, failed_case=case,
                                    status=422)
    if data["outcome"] == NEW_QUESTION:
        flash(_("Check-in recorded. The case is exploring again: adjust the help question "
                "with the resident."))
        return redirect(url_for("cases_pages.help_question", case_id=case.id))
    if data["outcome"] == NO_MORE_CONTACT:
        flash(_("Check-in recorded. The resident wants no more contact: no more check-ins "
                "are planned."))
    else:
        flash(_("Check-in recorded."))
    return redirect(url_for("residents_pages.resident", resident_id=case.resident_id,
                            _anchor=f"checkins-{case.id}"))


@bp.route("/cases/<uuid:case_id>/help-question", methods=["GET", "POST"])
@require(Permission.CASES_UPDATE)
def help_question(case_id: uuid.UUID) -> Any:
    case = case_in_scope(current_user, case_id)
    question = case.help_question
    if request.method == "GET":
        form = HelpQuestionForm(formdata=None, obj=question) if question else HelpQuestionForm(
            formdata=None)
        return render_template("cases/help_question.html", case=case, form=form)
    form = HelpQuestionForm()
    if case.state == "closed":
        form.form_errors.append(_("The case is closed; reopen it to change the help question."))
        return render_template("cases/help_question.html", case=case, form=form), 422
    data = None
    if form.validate_on_submit():
        data = apply_schema(form, HelpQuestionInputSchema(), {
            "text": form.text.data, "themes": form.themes.data, "urgency": form.urgency.data})
    if data is None:
        return render_template("cases/help_question.html", case=case, form=form), 422
    set_help_question(current_user, case, data)
    db.session.commit()
    flash(_("Help question saved."))
    return _back(case)


@bp.route("/cases/<uuid:case_id>/notes", methods=["GET", "POST"])
@require(Permission.CASES_UPDATE)
def notes(case_id: uuid.UUID) -> Any:
    case = case_in_scope(current_user, case_id)
    if request.method == "GET":
        return render_template("cases/notes.html", case=case,
                               form=NotesForm(formdata=None, obj=case))
    form = NotesForm()
    if case.anonymised:
        form.form_errors.append(anonymised_message())
        return render_template("cases/notes.html", case=case, form=form), 422
    data = None
    if form.validate_on_submit():
        data = apply_schema(form, CaseNotesSchema(), {
            "version": form.version.data, "household_size": form.household_size.data,
            **{name: form[name].data or "" for name in NotesForm.NOTE_FIELDS}})
    if data is None:
        return render_template("cases/notes.html", case=case, form=form), 422
    try:
        with transition_errors():
            check_version(case, data.pop("version"))
            update_notes(current_user, case, data)
            db.session.commit()
    except HTTPException as error:  # the API's 409 for a stale version
        if error.code != 409:
            raise
        db.session.expire_all()
        set_hidden(form.version, case.version)
        changed = [name for name in ("household_size", *NotesForm.NOTE_FIELDS)
                   if (getattr(case, name) or None) != (form[name].data or None)]
        return render_template("cases/notes.html", case=case, form=form, stale=True,
                               changed=changed), 409
    flash(_("Notes saved."))
    return _back(case)
