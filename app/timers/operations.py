"""Timers: due dates stored in the database, fired by `flask --app app workflows tick` (cron),
and on the embedded default along with the requests it serves (`app.timers.autorun`).

Idempotent (every piece of work is marked done when done, and only undone work is
selected) and safe on several machines at once (rows are claimed with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.audit.operations import record_event
from app.cases.checkins import due_query
from app.cases.models import CheckIn
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.convenants.operations import end_departures
from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind, Handover
from app.insight import counts as insight_counts
from app.notifications.digest import send_digests
from app.notifications.models import NotificationKind
from app.notifications.operations import coordinators, notify, professionals_of
from workflows.timers import CONSENT_EXPIRY_NOTICE


@dataclass
class TickReport:
    escalated: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    offers_reminded: list[str] = field(default_factory=list)
    consents_reminded: list[str] = field(default_factory=list)
    checkins_due: list[str] = field(default_factory=list)
    digests: int = 0
    departures_withdrawn: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"reminded {len(self.offers_reminded)} organisation(s) of handover(s) unanswered "
            "for 3 working days",
            f"escalated {len(self.escalated)} handover(s) unanswered for 5 working days",
            f"reminded about {len(self.reminded)} introduction(s) not recorded",
            f"reminded {len(self.consents_reminded)} coach(es) of consent(s) ending within "
            "30 days",
            f"expired {len(self.expired)} consent(s) past valid_until",
            f"told coaches of {len(self.checkins_due)} check-in(s) due",
            *([f"e-mailed {self.digests} notification digest(s)"] if self.digests else []),
            *([f"withdrew {len(self.departures_withdrawn)} handover(s) to organisations that "
               "left the samenwerkingsconvenant"] if self.departures_withdrawn else []),
        ]


def _remind_offers(now: datetime, report: TickReport) -> None:
    due = db.session.execute(
        select(Handover)
        .where(Handover.state == "offered", Handover.response_reminder_due_at <= now,
               Handover.response_reminded_at.is_(None), Handover.escalated_at.is_(None))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for handover in due:
        handover.response_reminded_at = now
        notify(NotificationKind.RESPONSE_REMINDER, professionals_of(handover.organization_id),
               handover=handover, case=handover.case, resident_id=handover.case.resident_id,
               now=now)
        record_event("handover_response_reminder", object_type="handover",
                     object_id=handover.id)
        report.offers_reminded.append(str(handover.id))


def _remind_expiring_consents(now: datetime, report: TickReport) -> None:
    due = db.session.execute(
        select(Consent)
        .where(Consent.is_valid_at(now), Consent.valid_until <= now + CONSENT_EXPIRY_NOTICE,
               Consent.expiry_reminded_at.is_(None))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for consent in due:
        consent.expiry_reminded_at = now
        notify(NotificationKind.CONSENT_EXPIRING, [consent.recorded_by_id], consent=consent,
               resident_id=consent.resident_id, now=now)
        record_event("consent_expiry_reminder", object_type="consent", object_id=consent.id)
        report.consents_reminded.append(str(consent.id))


def _escalate(now: datetime, report: TickReport) -> None:
    # Escalations are counted per resident: the logs' heads first, then the handovers.
    insight_counts.lock_residents()
    due = db.session.execute(
        select(Handover)
        .where(Handover.state == "offered", Handover.response_due_at <= now,
               Handover.escalated_at.is_(None))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    with insight_counts.kept(handovers_of={h.case.resident_id for h in due}):
        for handover in due:
            _escalate_one(handover, now, report)


def _escalate_one(handover: Handover, now: datetime, report: TickReport) -> None:
    handover.escalated_at = now
    db.session.add(Alert(kind=AlertKind.ESCALATION, handover_id=handover.id, created_at=now))
    notify(NotificationKind.HANDOVER_ESCALATED, coordinators(), handover=handover,
           case=handover.case, resident_id=handover.case.resident_id, now=now)
    record_event("handover_escalated", object_type="handover", object_id=handover.id,
                 details={"response_due_at": handover.response_due_at.isoformat()})
    report.escalated.append(str(handover.id))


def _remind(now: datetime, report: TickReport) -> None:
    due = db.session.execute(
        select(Handover)
        .where(Handover.state == "intro_scheduled", Handover.intro_reminder_due_at <= now,
               Handover.intro_reminded_at.is_(None))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for handover in due:
        handover.intro_reminded_at = now
        db.session.add(Alert(kind=AlertKind.INTRO_REMINDER, handover_id=handover.id,
                             created_at=now))
        notify(NotificationKind.INTRO_OVERDUE, [handover.case.coach_id, handover.accepted_by_id],
               handover=handover, case=handover.case, resident_id=handover.case.resident_id,
               now=now)
        record_event("intro_reminder", object_type="handover", object_id=handover.id)
        report.reminded.append(str(handover.id))


def _checkins_due(now: datetime, report: TickReport) -> None:
    due = db.session.execute(
        due_query(now).with_for_update(skip_locked=True, of=CheckIn)).scalars().all()
    for checkin in due:
        checkin.notified_at = now
        case = checkin.case
        notify(NotificationKind.CHECKIN_DUE, [case.coach_id], case=case,
               resident_id=case.resident_id, now=now)
        record_event("checkin_due", object_type="case", object_id=case.id,
                     details={"checkin_id": str(checkin.id),
                              "due_at": checkin.due_at.isoformat() if checkin.due_at else None})
        report.checkins_due.append(str(checkin.id))


def _expire(now: datetime, report: TickReport) -> None:
    due = db.session.execute(
        select(Consent)
        # Given, and no longer valid: past its end.
        .where(Consent.state == "given", ~Consent.is_valid_at(now))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for consent in due:
        try:
            with db.session.begin_nested():
                fire_consent(consent, "expire", None, {}, now=now)
        except StaleDataError:
            continue  # changed by someone else meanwhile; the next tick looks again
        report.expired.append(str(consent.id))


def tick(now: datetime | None = None) -> TickReport:
    now = now or utcnow()
    report = TickReport()
    _expire(now, report)
    _remind_expiring_consents(now, report)
    _remind_offers(now, report)
    _escalate(now, report)
    _remind(now, report)
    report.departures_withdrawn = end_departures(now)
    _checkins_due(now, report)
    db.session.commit()
    # After the commit: mail goes out only about notifications that exist.
    report.digests = send_digests(now)
    return report
