"""Case pages: firing the coach's triggers, the help question, the notes per topic, and the
coach's list of cases."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import desc

from app.auth.access import require
from app.auth.permissions import Permission
from app.cases.forms import CheckInForm, HelpQuestionForm, NotesForm
from app.cases.models import HELP_THEMES, Case
from app.cases.operations import (
    CheckInNotAllowed,
    can_formulate_at_once,
    fire_case,
    mark_question_ready,
    record_checkin,
    refuse_anonymised_notes,
    refuse_closed_question,
    save_help_question_as_ready,
    save_notes,
    set_help_question,
)
from app.cases.schemas import CaseNotesSchema, CheckInInputSchema, HelpQuestionInputSchema
from app.cases.scope import case_in_scope, cases_query
from app.db import db
from app.errors import Refused, StaleVersion
from app.lifecycle.firing import check_version, transition_errors
from app.residents.views import render_resident_page
from app.unit_of_work import discard_changes
from app.visits.queries import conversations
from app.web.formkit import TransitionForm, apply_schema
from app.web.labels import label
from app.web.pages import (
    paginate,
    run_transition,
    set_hidden,
    show_refusal,
    with_argument_choices,
)
from app.web.templating import when
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


@bp.route("/cases/<uuid:case_id>/question-ready", methods=["POST"])
@require(Permission.CASES_TRANSITION)
def question_ready(case_id: uuid.UUID) -> Any:
    """One tap from a written help question to a formulated one, whatever step before it
    the case is at."""
    case = case_in_scope(current_user, case_id)
    form = TransitionForm()
    if not form.validate_on_submit() or not can_formulate_at_once(case):
        return render_resident_page(case.resident, status=422)
    try:
        with transition_errors():
            check_version(case, form.version.data)
            mark_question_ready(current_user, case)
    except Refused as refused:
        show_refusal(refused)
        return render_resident_page(case.resident, status=refused.status)
    flash(_("Case: %(state)s.", state=label(case.state, "case_state")))
    return _back(case)


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
    except CheckInNotAllowed as refused:
        discard_changes()
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
        door_themes: list[str] = []
        if question:
            form = HelpQuestionForm(formdata=None, obj=question)
        else:
            # The themes named at the door are ticked already: the coach unticks or adds.
            door_themes = [theme for talk in conversations(resident_id=case.resident_id, limit=1)
                           for theme in talk.themes if theme in HELP_THEMES]
            form = HelpQuestionForm(formdata=None, data={"themes": door_themes})
        return _question_page(case, form, door_themes=door_themes)
    form = HelpQuestionForm()
    try:
        refuse_closed_question(case)
    except Refused as refused:
        discard_changes()
        form.form_errors.append(refused.message)
        return _question_page(case, form, 422)
    data = None
    if form.validate_on_submit():
        data = apply_schema(form, HelpQuestionInputSchema(), {
            "text": form.text.data, "themes": form.themes.data, "urgency": form.urgency.data})
    if data is None:
        return _question_page(case, form, 422)
    if request.form.get("answer") == "ready" and can_formulate_at_once(case):
        try:
            with transition_errors():
                save_help_question_as_ready(current_user, case, data)
        except Refused as refused:
            discard_changes()
            form.form_errors.append(refused.message)
            return _question_page(case, form, 422)
        flash(_("Help question saved and ready: %(state)s.",
                state=label(case.state, "case_state")))
        return _back(case)
    set_help_question(current_user, case, data)
    flash(_("Help question saved."))
    return _back(case)


def _question_page(case: Case, form: HelpQuestionForm, status: int = 200,
                   door_themes: list[str] | None = None) -> Any:
    """The help question's page; before the question is formulated, saving it can also
    mark it ready."""
    return render_template("cases/help_question.html", case=case, form=form,
                           door_themes=door_themes or [],
                           at_once=can_formulate_at_once(case)), status


def _notes_from_the_door(case: Case) -> dict[str, Any]:
    """What the door told that the case's notes do not hold yet: the household's size, and
    the conversations' notes (dated, oldest first) as the living situation. Shown filled in,
    kept only when the coach saves them."""
    found: dict[str, Any] = {}
    size = case.resident.dwelling.household_size
    if case.household_size is None and size is not None:
        found["household_size"] = size
    if not case.living_situation_notes:
        told = [f"{when(talk.visited_at, 'date')}: {talk.notes.strip()}"
                for talk in reversed(conversations(resident_id=case.resident_id, limit=20))
                if talk.notes.strip()]
        if told:
            found["living_situation_notes"] = "\n".join(told)[:4000]
    return found


@bp.route("/cases/<uuid:case_id>/notes", methods=["GET", "POST"])
@require(Permission.CASES_UPDATE)
def notes(case_id: uuid.UUID) -> Any:
    case = case_in_scope(current_user, case_id)
    if request.method == "GET":
        form = NotesForm(formdata=None, obj=case)
        from_door = _notes_from_the_door(case)
        for name, value in from_door.items():
            form[name].data = value
        return render_template("cases/notes.html", case=case, form=form, from_door=from_door)
    form = NotesForm()
    try:
        refuse_anonymised_notes(case)
    except Refused as refused:
        discard_changes()
        form.form_errors.append(refused.message)
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
            save_notes(current_user, case, data.pop("version"), data)
    except StaleVersion:
        discard_changes()
        db.session.expire_all()
        set_hidden(form.version, case.version)
        changed = [name for name in ("household_size", *NotesForm.NOTE_FIELDS)
                   if (getattr(case, name) or None) != (form[name].data or None)]
        return render_template("cases/notes.html", case=case, form=form, stale=True,
                               changed=changed), 409
    flash(_("Notes saved."))
    return _back(case)
