"""A resident's page: their case with exactly the actions the coach may take now, their
consents and handovers, and one timeline of everything that happened."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import desc, select

from app.auth.access import require
from app.auth.permissions import Permission
from app.cases import checkins
from app.cases.forms import CheckInForm
from app.cases.models import Case
from app.cases.next_step import next_step
from app.cases.operations import open_case
from app.consent.models import Consent
from app.consent.queries import valid_consents_for_organisations
from app.consent.scope import consents_query
from app.db import db, utcnow
from app.errors import Refused
from app.lifecycle.firing import triggers_for
from app.organizations.models import Organization
from app.residents.models import Resident
from app.residents.scope import resident_in_scope
from app.residents.timeline import timeline_query
from app.visits.models import Visit
from app.visits.queries import conversations
from app.web.formkit import TransitionForm
from app.web.pages import TransitionOutcome, latest_seq, paginate, show_refusal, transition_form
from workflows.case import CASE_OPEN_STATES, CHECKIN_CASE_STATE, QUESTION_READY_PATH

bp = Blueprint("residents_pages", __name__, template_folder="templates")


def render_resident_page(resident: Resident, *, failed: TransitionForm | None = None,
                         failed_case: Case | None = None,
                         outcome: TransitionOutcome | None = None,
                         failed_checkin: CheckInForm | None = None,
                         status: int = 200) -> Any:
    """The page; after a refused or stale case transition, that trigger's form keeps what
    the user typed and shows why (and so does a refused check-in)."""
    seen = latest_seq()
    cases = list(db.session.execute(
        select(Case).where(Case.resident_id == resident.id).order_by(desc(Case.opened_at))
    ).scalars())
    has_open_case = any(c.state in CASE_OPEN_STATES for c in cases)
    has_valid_consent = bool(valid_consents_for_organisations(resident.id))
    steps = {case.id: next_step(case, has_valid_consent=has_valid_consent) for case in cases}
    case_forms = {}
    for case in cases:
        triggers = triggers_for(case, current_user)
        if has_open_case and case.state not in CASE_OPEN_STATES:
            # One open case per resident: a closed one cannot reopen beside it.
            triggers = [trigger for trigger in triggers if trigger != "reopen"]
        # A new question is heard at a check-in: recorded there, it fires the trigger.
        triggers = [trigger for trigger in triggers if trigger != "new_question"]
        if steps[case.id] == "mark_ready":
            # The one button that marks a written help question ready stands above.
            triggers = [trigger for trigger in triggers
                        if trigger not in QUESTION_READY_PATH[case.state]]
        forms = {trigger: transition_form(case, trigger, seen) for trigger in triggers}
        if (failed is not None and failed_case is not None and failed_case.id == case.id
                and case.workflow.get(failed.trigger.data or "")):
            forms[failed.trigger.data] = failed
        case_forms[case.id] = forms
    staying_in_touch = {case.id: _staying_in_touch(case, failed_checkin, failed_case)
                        for case in cases}
    consents = list(db.session.execute(
        consents_query(current_user).where(Consent.resident_id == resident.id)
        .order_by(desc(Consent.created_at))
    ).scalars())
    timeline = paginate(timeline_query(resident), per_page=30)
    # The timeline's visits name what was said at them, not only that they happened.
    visit_ids = [uuid.UUID(event.object_id) for event in timeline.items
                 if event.event_type == "visit_recorded" and event.object_id]
    timeline_visits = {str(visit.id): visit for visit in db.session.execute(
        select(Visit).where(Visit.id.in_(visit_ids))).scalars()} if visit_ids else {}
    organizations = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    return render_template(
        "residents/resident.html", resident=resident, cases=cases, case_forms=case_forms,
        has_open_case=has_open_case, consents=consents, staying_in_touch=staying_in_touch,
        steps=steps,
        now=utcnow(),
        talks=conversations(resident_id=resident.id), timeline=timeline,
        timeline_visits=timeline_visits, organizations=organizations,
        outcome=outcome, failed_case=failed_case,
    ), status


def _staying_in_touch(case: Case, failed: CheckInForm | None,
                      failed_case: Case | None) -> dict[str, Any]:
    """The case's check-ins, whether the resident wants no more contact, and the form to
    record one while help runs."""
    ended_at = checkins.contact_ended_at(case)
    form = None
    if failed is not None and failed_case is not None and failed_case.id == case.id:
        form = failed  # with why it was refused
    elif (case.state == CHECKIN_CASE_STATE and ended_at is None and not case.anonymised
            and current_user.can("cases:update")):
        form = CheckInForm(formdata=None)
    return {"checkins": checkins.in_order(case.checkins), "contact_ended_at": ended_at,
            "form": form}


@bp.route("/residents/<uuid:resident_id>")
@require(Permission.RESIDENTS_READ)
def resident(resident_id: uuid.UUID) -> Any:
    return render_resident_page(resident_in_scope(current_user, resident_id))


@bp.route("/residents/<uuid:resident_id>/cases", methods=["POST"])
@require(Permission.CASES_CREATE)
def open_case_page(resident_id: uuid.UUID) -> Any:
    resident = resident_in_scope(current_user, resident_id)
    if not FlaskForm().validate_on_submit():
        return render_resident_page(resident, status=400)
    try:
        open_case(current_user, resident)
    except Refused as refused:
        show_refusal(refused)
        return render_resident_page(resident, status=422)
    flash(_("Case opened."))
    return redirect(url_for("residents_pages.resident", resident_id=resident.id))
