"""Data subject requests and retention: export (Art. 15), erasure (Art. 17) and the
anonymisation of what is past the retention of its processing activity.

Anonymisation blanks personal data in place and keeps the logs intact: they carry only
pseudonymous ids, so their hash chains stay verifiable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, exists, or_, select, update

from app.audit.models import ProcessingLogEntry, TransitionNote
from app.audit.operations import record_event
from app.audit.processing import log_processing
from app.auth.operations import end_all_sessions
from app.buurtkamer.operations import forget_organiser, organised_by
from app.cases import checkins
from app.cases.models import Case
from app.cases.operations import fire_case
from app.consent.gateway import disclose
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.queries import consent_history
from app.db import db, utcnow
from app.errors import Refused
from app.handovers.models import Alert, Handover, SafetyDisclosure
from app.handovers.operations import fire_handover
from app.insight import counts as insight_counts
from app.matches.models import Match
from app.matches.operations import decline_open_matches_of
from app.notifications.operations import remove_for_resident
from app.portal.models import ResidentAccess, ResidentMessage
from app.residents.models import Resident
from app.visits.models import Visit
from policies import REGISTER, Action, DataCategory, ReviewStatus
from workflows.case import CASE_OPEN_STATES, ERASED_OUTCOME

ANONYMOUS_NAME = "Geanonimiseerd"
# The reason the system gives for every transition that ends an anonymised resident's path.
ANONYMISED = "resident anonymised"
# How a consent that is still valid or requested ends; the others have ended already.
_ENDING_TRIGGER = {"requested": "refuse", "given": "withdraw"}


class LegalHold(Refused):
    """Not erased: a legal hold applies (`reason` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(_("Not erased: %(reason)s.", reason=reason), field="legal_hold")
        self.reason = reason


def legal_hold(resident: Resident) -> str | None:
    if resident.legal_hold_reason:
        return f"a legal hold applies: {resident.legal_hold_reason}"
    pending = db.session.execute(
        select(exists().where(
            SafetyDisclosure.handover_id == Handover.id,
            Handover.case_id == Case.id,
            Case.resident_id == resident.id,
            SafetyDisclosure.review_status == ReviewStatus.PENDING,
        ))
    ).scalar_one()
    if pending:
        return "a safety disclosure about this resident awaits the privacy officer's review"
    return None


def _cases(resident: Resident) -> list[Case]:
    return list(db.session.execute(
        select(Case).where(Case.resident_id == resident.id).order_by(Case.opened_at)
    ).scalars())


def _erase_transition_notes(object_ids: list[str], now: datetime) -> None:
    if object_ids:
        db.session.execute(
            update(TransitionNote)
            .where(TransitionNote.object_id.in_(object_ids), TransitionNote.erased_at.is_(None))
            .values(text="", erased_at=now)
        )


def _consents(resident: Resident) -> list[Consent]:
    return list(db.session.execute(
        select(Consent).where(Consent.resident_id == resident.id)
        .order_by(Consent.created_at, Consent.id)
    ).scalars())


def _matches(resident: Resident) -> list[Match]:
    return list(db.session.execute(
        select(Match).where((Match.offering_resident_id == resident.id)
                            | (Match.seeking_resident_id == resident.id))
        .order_by(Match.created_at, Match.id)
    ).scalars())


def anonymise(resident: Resident, now: datetime) -> None:
    """Erasure and the end of retention alike: every free-text value the resident's records
    hold is cleared, and their path ends. One transaction: the caller commits once, so a
    failure midway leaves everything as it was."""
    with insight_counts.kept(residents=[resident.id], handovers_of=[resident.id]):
        _clear_personal_data(resident, now)
        end_path(resident, now)


def _clear_personal_data(resident: Resident, now: datetime) -> None:
    # No longer named as organiser anywhere; the activities themselves stay.
    forget_organiser(resident)
    resident.display_name = ANONYMOUS_NAME
    resident.phone = None
    resident.birth_year = None
    resident.languages = []
    resident.legal_hold_reason = None
    resident.anonymised_at = now
    cases = _cases(resident)
    for case in cases:
        for name in ("household_notes", "living_situation_notes", "finances_notes",
                     "health_notes", "safety_notes", "coach_notes"):
            setattr(case, name, "")
        case.household_size = None
        if case.help_question is not None:
            case.help_question.text = ""
        for checkin in case.checkins:
            checkin.note = ""
        for handover in case.handovers:
            handover.note = ""
            handover.intro_place = None
            handover.ended_reason = None
            for disclosure in db.session.execute(
                select(SafetyDisclosure).where(SafetyDisclosure.handover_id == handover.id)
            ).scalars():
                disclosure.justification = ""
                disclosure.finding = None
    for visit in db.session.execute(
        select(Visit).where(or_(Visit.resident_id == resident.id,
                                Visit.case_id.in_([case.id for case in cases])))
    ).scalars():
        visit.notes = ""
    _end_own_page(resident)
    object_ids = []
    for consent in _consents(resident):
        consent.end_reason = None
        consent.notice_version = None
        object_ids.append(str(consent.id))
    for case in cases:
        object_ids.append(str(case.id))
        object_ids.extend(str(handover.id) for handover in case.handovers)
    object_ids.extend(str(match.id) for match in _matches(resident))
    _erase_transition_notes(object_ids, now)


def _end_own_page(resident: Resident) -> None:
    """The resident's own page closes for good and their messages to the coach go."""
    for message in db.session.execute(
            select(ResidentMessage).where(ResidentMessage.resident_id == resident.id)).scalars():
        db.session.delete(message)
    access = db.session.execute(
        select(ResidentAccess).where(ResidentAccess.resident_id == resident.id)
    ).scalar_one_or_none()
    if access is not None:
        access.code_hash = None
        access.user.active = False
        end_all_sessions(access.user)


def end_path(resident: Resident, now: datetime) -> None:
    """Erasure ends the path: nothing about the resident stays live. Each step is a system
    transition, logged like any other; its reason names no one."""
    for consent in _consents(resident):
        trigger = _ENDING_TRIGGER.get(consent.state)
        if trigger is not None:
            # Leaving `given` withdraws the handovers and declines the matches relying on it.
            fire_consent(consent, trigger, None, {"reason": ANONYMISED}, now=now)
    for case in _cases(resident):
        for handover in case.handovers:
            if handover.active:
                fire_handover(handover, "withdraw", None, {"reason": ANONYMISED}, now=now)
        if case.state in CASE_OPEN_STATES:
            fire_case(case, "close_erased", None, {"outcome": ERASED_OUTCOME}, now=now)
        # No check-in comes due any more, whatever state the case was left in.
        checkins.end_planned(case, now)
    # A connection cannot go ahead with someone whose name is gone.
    decline_open_matches_of(resident, ANONYMISED)
    # Notifications about the resident go too; the log keeps what happened. (Neighbourhood
    # insight counts the escalations among them: erased again, outside `anonymise`, too.)
    with insight_counts.kept(handovers_of=[resident.id]):
        db.session.execute(
            delete(Alert).where(Alert.handover_id.in_(
                select(Handover.id).join(Case, Handover.case_id == Case.id)
                .where(Case.resident_id == resident.id)))
            .execution_options(synchronize_session="fetch"))
    # Last, so that what ending the path just announced (a withdrawn handover) goes as well.
    remove_for_resident(resident.id)


def erase(officer: Any, resident: Resident) -> None:
    """Anonymise on the resident's request, unless a legal hold applies. Asked again, it
    ends whatever an earlier anonymisation left live, and nothing more."""
    if resident.anonymised_at is not None:
        end_path(resident, utcnow())
        return
    hold = legal_hold(resident)
    if hold:
        raise LegalHold(hold)
    anonymise(resident, utcnow())
    log_processing(action="erase", activity="data_subject_request", decision="allowed",
                   actor=officer, data_subject_id=resident.id,
                   categories=[c.value for c in DataCategory], legal_basis="legal_obligation",
                   reasons=["erasure at the resident's request (GDPR Art. 17)"])
    record_event("resident_erased", actor=officer, object_type="resident", object_id=resident.id)


def export(officer: Any, resident: Resident) -> dict[str, Any]:
    """Every datum held on the resident and every processing-log entry about them."""
    disclose(actor=officer, action=Action.EXPORT, resident_id=resident.id,
             recipient_organization_id=None, purpose="data_subject_request",
             categories=[c.value for c in DataCategory])
    dwelling = resident.dwelling
    cases = _cases(resident)
    visits = db.session.execute(
        select(Visit).where(Visit.resident_id == resident.id).order_by(Visit.visited_at)
    ).scalars().all()
    consents = db.session.execute(
        select(Consent).where(Consent.resident_id == resident.id).order_by(Consent.created_at)
    ).scalars().all()
    log = db.session.execute(
        select(ProcessingLogEntry)
        .where(ProcessingLogEntry.data_subject_id == str(resident.id))
        .order_by(ProcessingLogEntry.seq)
    ).scalars().all()
    return {
        "generated_at": utcnow().isoformat(),
        "legal_basis": "GDPR Art. 15 (right of access)",
        "resident": {
            "id": str(resident.id), "display_name": resident.display_name,
            "birth_year": resident.birth_year, "phone": resident.phone,
            "languages": list(resident.languages),
            "address": {"street": dwelling.street, "number": dwelling.number,
                        "addition": dwelling.addition, "postcode": dwelling.postcode,
                        "building": dwelling.building.name},
            "registered_at": resident.created_at.isoformat(),
            "anonymised_at": resident.anonymised_at.isoformat() if resident.anonymised_at
            else None,
        },
        "visits": [{"id": str(v.id), "visited_at": v.visited_at.isoformat(),
                    "outcome": str(v.outcome), "themes": v.themes, "offers": v.offers,
                    "wishes": v.wishes, "willingness": v.willingness, "notes": v.notes}
                   for v in visits],
        "cases": [_case_export(c) for c in cases],
        "consents": [{"id": str(c.id), "state": c.state, "purpose": c.purpose,
                      "recipient_organization": c.recipient_organization.name
                      if c.recipient_organization else None,
                      # Another resident, by pseudonymous id: their name is their data.
                      "recipient_resident_id": str(c.recipient_resident_id)
                      if c.recipient_resident_id else None,
                      "data_categories": c.data_categories,
                      "valid_until": c.valid_until.isoformat(), "method": c.method,
                      "notice_version": c.notice_version,
                      "history": [{**e, "at": e["at"].isoformat()}
                                  for e in consent_history(c)]}
                     for c in consents],
        "matches": [_match_export(m, resident) for m in _matches(resident)],
        "activities_organised": organised_by(resident),
        "processing_log": [{"seq": e.seq, "occurred_at": e.occurred_at.isoformat(),
                            "action": e.action, "processing_activity": e.processing_activity,
                            "purpose": REGISTER[e.processing_activity].purpose
                            if e.processing_activity in REGISTER else None,
                            "legal_basis": e.legal_basis, "decision": e.decision,
                            "categories": e.categories, "actor_role": e.actor_role,
                            "recipient_organization_id": e.recipient_organization_id}
                           for e in log],
    }


def _match_export(match: Match, resident: Resident) -> dict[str, Any]:
    offering = match.offering_resident_id == resident.id
    return {
        "id": str(match.id), "state": match.state, "offer": match.offer,
        "role": "offering" if offering else "seeking",
        # The other resident by pseudonymous id only: their name is their own data.
        "other_resident_id": str(match.seeking_resident_id if offering
                                 else match.offering_resident_id),
        "own_consent_id": str(match.offering_consent_id if offering
                              else match.seeking_consent_id),
        "proposed_at": match.created_at.isoformat(),
        "agreed_at": match.agreed_at.isoformat() if match.agreed_at else None,
        "met_at": match.met_at.isoformat() if match.met_at else None,
        "ended_at": match.ended_at.isoformat() if match.ended_at else None,
    }


def _case_export(case: Case) -> dict[str, Any]:
    question = case.help_question
    return {
        "id": str(case.id), "state": case.state, "outcome": case.outcome,
        "opened_at": case.opened_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "help_question": {"text": question.text, "themes": question.themes,
                          "urgency": str(question.urgency)} if question else None,
        "notes": {name: getattr(case, name) for name in (
            "household_notes", "living_situation_notes", "finances_notes", "health_notes",
            "safety_notes", "coach_notes")},
        "household_size": case.household_size,
        "checkins": [{"due_at": c.due_at.isoformat() if c.due_at else None,
                      "recorded_at": c.recorded_at.isoformat() if c.recorded_at else None,
                      "outcome": c.outcome, "note": c.note}
                     for c in checkins.in_order(case.checkins)],
        "handovers": [{"id": str(h.id), "state": h.state, "organization": h.organization.name,
                       "purpose": h.purpose, "data_categories": h.data_categories,
                       "note": h.note, "decline_reason": h.decline_reason,
                       "offered_at": h.offered_at.isoformat() if h.offered_at else None,
                       "completed_at": h.completed_at.isoformat() if h.completed_at else None}
                      for h in case.handovers],
    }


@dataclass
class RetentionReport:
    anonymised_residents: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    visit_notes_cleared: int = 0

    def lines(self) -> list[str]:
        return [
            f"anonymised {len(self.anonymised_residents)} resident(s) past retention",
            f"kept {len(self.held)} resident(s) under a legal hold",
            f"cleared the notes of {self.visit_notes_cleared} visit(s) without a case, "
            "older than a year",
        ]


def run_retention(now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    report = RetentionReport()
    case_limit = now - timedelta(days=REGISTER["case_support"].retention_days)
    outreach_limit = now - timedelta(days=REGISTER["outreach_contact"].retention_days)
    has_open_or_recent_case = exists().where(
        Case.resident_id == Resident.id,
        (Case.state.in_(CASE_OPEN_STATES)) | (Case.closed_at > case_limit),
    )
    has_case = exists().where(Case.resident_id == Resident.id)
    recent_visit = exists().where(Visit.resident_id == Resident.id,
                                  Visit.visited_at > outreach_limit)
    candidates = db.session.execute(
        select(Resident).where(
            Resident.anonymised_at.is_(None),
            ~has_open_or_recent_case,
            # Without any case: outreach contact only, kept one year after the last visit.
            has_case | (~recent_visit & (Resident.created_at <= outreach_limit)),
        ).with_for_update(skip_locked=True)
    ).scalars().all()
    for resident in candidates:
        hold = legal_hold(resident)
        if hold:
            report.held.append(str(resident.id))
            continue
        anonymise(resident, now)
        activity = "case_support" if _cases(resident) else "outreach_contact"
        log_processing(action="anonymise", activity=activity, decision="allowed", actor=None,
                       data_subject_id=resident.id,
                       categories=[c.value for c in DataCategory],
                       legal_basis=str(REGISTER[activity].legal_basis),
                       reasons=[f"retention of {activity} ended"])
        report.anonymised_residents.append(str(resident.id))
    visits = db.session.execute(
        select(Visit).where(Visit.case_id.is_(None), Visit.visited_at <= outreach_limit,
                            Visit.notes != "")
    ).scalars().all()
    for visit in visits:
        visit.notes = ""
    report.visit_notes_cleared = len(visits)
    if report.anonymised_residents or visits:
        record_event("retention_run", details={
            "anonymised": len(report.anonymised_residents),
            "visit_notes_cleared": len(visits)})
    db.session.commit()
    return report
