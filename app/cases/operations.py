from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.operations import record_event
from app.cases import checkins
from app.cases.models import Case, CheckIn, HelpQuestion
from app.db import db, utcnow
from app.errors import Refused
from app.insight import counts as insight_counts
from app.lifecycle.firing import anonymised_message, apply, check_version
from app.residents.models import Resident
from app.residents.operations import refuse_anonymised_resident
from workflows.case import (
    CASE_OPEN_STATES,
    CHECKIN_CASE_STATE,
    NEW_QUESTION,
    NO_MORE_CONTACT,
    QUESTION_READY_PATH,
)
from workflows.handover import HANDOVER_ACTIVE_STATES

NOTE_FIELDS = ("household_notes", "living_situation_notes", "finances_notes", "health_notes",
               "safety_notes", "coach_notes", "household_size")


class CaseAlreadyOpen(Refused):
    """A resident has one open case at a time; new needs become handovers of that case."""

    def __init__(self, case: Case) -> None:
        super().__init__(_("This resident already has an open case."), field="resident_id")
        self.case = case


def open_case_of(resident: Resident, *, excluding: Case | None = None) -> Case | None:
    """The resident's open case, if any. Locks the resident's row first, so two coaches
    opening a case at the same moment are serialised (SQLite's BEGIN IMMEDIATE does the same)."""
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    query = select(Case).where(Case.resident_id == resident.id,
                               Case.state.in_(CASE_OPEN_STATES))
    if excluding is not None:
        query = query.where(Case.id != excluding.id)
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def open_case(coach: Any, resident: Resident) -> Case:
    refuse_anonymised_resident(resident)
    existing = open_case_of(resident)
    if existing is not None:
        raise CaseAlreadyOpen(existing)
    case = Case(resident_id=resident.id, coach_id=coach.id)
    with insight_counts.kept(residents=[resident.id]):
        db.session.add(case)
        db.session.flush()
    record_event("case_opened", actor=coach, object_type="case", object_id=case.id,
                 details={"state": case.state})
    return case


def refuse_closed_question(case: Case) -> None:
    """A closed case's help question stays as it was closed."""
    if case.state == "closed":
        raise Refused(_("The case is closed; reopen it to change the help question."))


def set_help_question(coach: Any, case: Case, data: Mapping[str, Any]) -> HelpQuestion:
    refuse_closed_question(case)
    with insight_counts.kept(residents=[case.resident_id]):
        question = _save_help_question(coach, case, data)
    record_event("help_question_saved", actor=coach, object_type="case", object_id=case.id,
                 details={"themes": list(question.themes), "urgency": str(question.urgency)})
    return question


def _save_help_question(coach: Any, case: Case, data: Mapping[str, Any]) -> HelpQuestion:
    question = case.help_question
    if question is None:
        question = HelpQuestion(case_id=case.id, text=data["text"], themes=list(data["themes"]),
                                urgency=data.get("urgency", "normal"), updated_by_id=coach.id)
        db.session.add(question)
        case.help_question = question
    else:
        question.text = data["text"]
        question.themes = list(data["themes"])
        question.urgency = data.get("urgency", question.urgency)
        question.updated_by_id = coach.id
        question.updated_at = utcnow()
    db.session.flush()
    return question


def can_formulate_at_once(case: Case) -> bool:
    """Whether saving the help question can also mark it ready (the case is before that)."""
    return case.state in QUESTION_READY_PATH


def save_help_question_as_ready(coach: Any, case: Case, data: Mapping[str, Any]) -> HelpQuestion:
    """Save the help question written with the resident and mark it ready in one step."""
    question = set_help_question(coach, case, data)
    mark_question_ready(coach, case)
    return question


def mark_question_ready(coach: Any, case: Case) -> None:
    """The help question is ready: the case fires the coach's own triggers to
    `question_formulated` (each guarded and logged as if tapped one by one)."""
    for trigger in QUESTION_READY_PATH.get(case.state, ()):
        fire_case(case, trigger, coach, {})


def refuse_anonymised_notes(case: Case) -> None:
    """An anonymised case keeps no notes."""
    if case.anonymised:
        raise Refused(anonymised_message())


def save_notes(coach: Any, case: Case, version: int, data: Mapping[str, Any]) -> Case:
    """What the coach learnt, saved over the version the coach read (else `StaleVersion`)."""
    refuse_anonymised_notes(case)
    check_version(case, version)
    return update_notes(coach, case, data)


def update_notes(coach: Any, case: Case, data: Mapping[str, Any]) -> Case:
    for field in NOTE_FIELDS:
        if field in data:
            setattr(case, field, data[field])
    db.session.flush()
    record_event("case_notes_saved", actor=coach, object_type="case", object_id=case.id,
                 details={"fields": sorted(k for k in data if k in NOTE_FIELDS)})
    return case


def active_handovers(case: Case) -> list[Any]:
    return [h for h in case.handovers if h.state in HANDOVER_ACTIVE_STATES]


def _case_guards(case: Case) -> dict[str, Any]:
    def help_question_complete(subject: Case, _args: Mapping[str, Any]) -> str | None:
        question = subject.help_question
        if question is None or not question.complete:
            return _("Write the help question with the resident first: text and at least one "
                     "theme.")
        return None

    def no_active_handover(subject: Case, _args: Mapping[str, Any]) -> str | None:
        active = active_handovers(subject)
        if active:
            names = ", ".join(f"{h.organization.name} ({h.state})" for h in active)
            return _("Handovers are still active: %(names)s. Withdraw or finish them first.",
                     names=names)
        return None

    def no_other_open_case(subject: Case, _args: Mapping[str, Any]) -> str | None:
        if open_case_of(subject.resident, excluding=subject) is not None:
            return _("This resident already has an open case; continue that one.")
        return None

    return {"help_question_complete": help_question_complete,
            "no_active_handover": no_active_handover,
            "no_other_open_case": no_other_open_case}


# Where the check-in cadence keeps running: help runs, or the case is paused from there.
_STAYING_IN_TOUCH = (CHECKIN_CASE_STATE, "paused")


def fire_case(case: Case, trigger: str, actor: Any | None, arguments: Mapping[str, Any],
              now: datetime | None = None) -> None:
    now = now or utcnow()

    def effects() -> None:
        if trigger in ("close", "close_erased"):
            case.outcome = arguments["outcome"]
            case.closed_at = now
        elif trigger == "reopen":
            case.outcome = None
            case.closed_at = None

    with insight_counts.kept(residents=[case.resident_id]):
        fired = apply(case, trigger, actor=actor, arguments=arguments,
                      guards=_case_guards(case), effects=effects)
    if fired.source in _STAYING_IN_TOUCH and fired.dest not in _STAYING_IN_TOUCH:
        # Help no longer runs (a new question, closed, erased): no check-ins come due.
        checkins.end_planned(case, now)


def on_handover_offered(case: Case) -> None:
    """The case's first offered handover refers it."""
    if case.state == "question_formulated":
        fire_case(case, "refer", None, {})


def on_handover_completed(case: Case, now: datetime | None = None) -> None:
    """Help has started: the case is supported, and the coach's check-ins are planned."""
    now = now or utcnow()
    if case.state == "referred":
        fire_case(case, "start_support", None, {}, now=now)
    elif case.state == "paused" and case.paused_from == "referred":
        # Paused cases keep their handovers running; resuming returns to where help stands.
        case.paused_from = "supported"
    if case.state == CHECKIN_CASE_STATE or (case.state == "paused"
                                            and case.paused_from == CHECKIN_CASE_STATE):
        checkins.plan(case, now)


def on_handover_ended(case: Case) -> None:
    """No active handover left on a referred case: the referral failed."""
    if active_handovers(case):
        return
    if case.state == "referred":
        fire_case(case, "referral_failed", None, {})
    elif case.state == "paused" and case.paused_from == "referred":
        case.paused_from = "question_formulated"


class CheckInNotAllowed(Refused):
    """No check-in now; told apart from a refused trigger of the check-in's transition."""


def record_checkin(coach: Any, case: Case, data: Mapping[str, Any],
                   now: datetime | None = None) -> CheckIn:
    """The coach looked in on the resident: what came of it fulfils the planned check-in it
    answers (earlier ones still open are missed). A new question takes the case back to
    exploring with its help question as it was; no more contact ends the cadence."""
    now = now or utcnow()
    if case.anonymised:
        raise CheckInNotAllowed(message=anonymised_message())
    if checkins.contact_ended(case):
        raise CheckInNotAllowed(message=_("The resident wants no more contact: no more check-ins."))
    if case.state != CHECKIN_CASE_STATE:
        raise CheckInNotAllowed(message=_("Check-ins are recorded while help runs (the case is "
                                          "supported); the case is now %(state)s.",
                                          state=case.state))
    checkin, missed = checkins.answered_by_one_now(case, now)
    for earlier in missed:
        earlier.ended_at = now
    if checkin is None:
        checkin = CheckIn(case=case)
        db.session.add(checkin)
    checkin.outcome = data["outcome"]
    checkin.note = data.get("note") or ""
    checkin.recorded_at = now
    checkin.recorded_by_id = coach.id
    db.session.flush()
    checkins.forget_due_notices([case.id])  # what they announced is done
    record_event("checkin_recorded", actor=coach, object_type="case", object_id=case.id,
                 details={"checkin_id": str(checkin.id), "outcome": checkin.outcome,
                          "due_at": checkin.due_at.isoformat() if checkin.due_at else None})
    if checkin.outcome == NEW_QUESTION:
        fire_case(case, "new_question", coach, {}, now=now)
    elif checkin.outcome == NO_MORE_CONTACT:
        checkins.end_planned(case, now)
    return checkin
