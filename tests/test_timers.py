"""Timers are due dates in the database; `tick(now=...)` acts on those that passed, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.consent.models import Consent
from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind, Handover
from app.handovers.operations import fire_handover
from app.timers.operations import tick
from tests import factories
from workflows.timers import add_working_days

SECOND = timedelta(seconds=1)


def ready_case(world):
    """A case whose help question is formulated: ready for a handover."""
    return factories.create_case(world.resident, world.coach, "question_formulated")


def handover_in(world, state, **kwargs):
    case = ready_case(world)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state=state,
                                         professional=world.professional, **kwargs)
    db.session.commit()
    return handover


def alerts(handover) -> list[Alert]:
    return list(db.session.execute(
        select(Alert).where(Alert.handover_id == handover.id).order_by(Alert.id)
    ).scalars())


def events(event_type, object_id) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == event_type,
                                 AuditEvent.object_id == str(object_id))
    ).scalars())


def audit_count() -> int:
    return db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def assert_nothing_done(report):
    assert (report.escalated, report.reminded, report.expired) == ([], [], [])


# --- an offer nobody answers ------------------------------------------------------------------

def test_offer_unanswered_for_five_working_days_is_escalated_once(world):
    handover = handover_in(world, "offered")
    due = handover.response_due_at
    assert due == add_working_days(handover.offered_at, 5)

    assert_nothing_done(tick(now=due - SECOND))
    assert alerts(handover) == []

    report = tick(now=due)
    assert report.escalated == [str(handover.id)]
    [alert] = alerts(handover)
    assert (alert.kind, alert.created_at, alert.resolved_at) == (AlertKind.ESCALATION, due, None)
    [event] = events("handover_escalated", handover.id)
    assert (event.actor_id, event.object_type) == (None, "handover")
    assert event.details == {"response_due_at": due.isoformat()}
    db.session.expire_all()
    escalated = db.session.get(Handover, handover.id)
    assert (escalated.state, escalated.escalated_at) == ("offered", due)

    before = audit_count()
    assert_nothing_done(tick(now=due + timedelta(days=30)))
    assert len(alerts(handover)) == 1
    assert audit_count() == before


def test_accepting_resolves_the_escalation(world):
    handover = handover_in(world, "offered")
    tick(now=handover.response_due_at)
    fire_handover(handover, "accept", world.professional, {})
    db.session.commit()
    [alert] = alerts(handover)
    assert alert.resolved_at == handover.accepted_at  # by the acceptance itself
    assert_nothing_done(tick(now=handover.accepted_at + timedelta(days=30)))


def test_an_answered_offer_is_not_escalated(world):
    accepted = handover_in(world, "accepted")
    declined = factories.create_handover(accepted.case, world.coach, world.schuldhulp,
                                         state="declined", professional=world.other_professional)
    db.session.commit()
    assert_nothing_done(tick(now=utcnow() + timedelta(days=30)))
    assert alerts(accepted) == alerts(declined) == []


# --- an introduction nobody recorded ----------------------------------------------------------

def test_intro_not_recorded_two_days_after_its_date_reminds_once(world):
    intro_at = utcnow() + timedelta(days=1)
    handover = handover_in(world, "intro_scheduled", intro_at=intro_at)
    due = intro_at + timedelta(days=2)
    assert handover.intro_reminder_due_at == due

    assert_nothing_done(tick(now=due - SECOND))
    report = tick(now=due)
    assert report.reminded == [str(handover.id)]
    assert report.escalated == report.expired == []
    [alert] = alerts(handover)
    assert alert.kind == AlertKind.INTRO_REMINDER
    assert len(events("intro_reminder", handover.id)) == 1

    before = audit_count()
    assert_nothing_done(tick(now=due + timedelta(days=5)))
    assert len(alerts(handover)) == 1
    assert audit_count() == before

    # Recording the introduction settles the reminder.
    fire_handover(handover, "record_intro", world.coach, {})
    db.session.commit()
    assert alerts(handover)[0].resolved_at == handover.intro_held_at


def test_a_recorded_intro_gets_no_reminder(world):
    intro_at = utcnow() + timedelta(hours=2)
    handover = handover_in(world, "intro_held", intro_at=intro_at)
    assert_nothing_done(tick(now=intro_at + timedelta(days=10)))
    assert alerts(handover) == []


def test_rescheduling_sets_a_new_reminder(world):
    intro_at = utcnow() + timedelta(days=1)
    handover = handover_in(world, "intro_scheduled", intro_at=intro_at)
    assert tick(now=intro_at + timedelta(days=2)).reminded == [str(handover.id)]
    later = intro_at + timedelta(days=7)
    fire_handover(handover, "reschedule_intro", world.coach,
                  {"intro_at": later, "place": "Buurtkamer"})
    db.session.commit()
    assert_nothing_done(tick(now=later + timedelta(days=1)))
    assert tick(now=later + timedelta(days=2)).reminded == [str(handover.id)]
    assert len(alerts(handover)) == 2


# --- a consent that runs out ------------------------------------------------------------------

def test_expired_consent_withdraws_its_handover_and_fails_the_referral(world):
    case = ready_case(world)
    valid_until = utcnow() + timedelta(days=1)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       valid_until=valid_until)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         consent=consent)
    db.session.commit()
    assert case.state == "referred"

    assert_nothing_done(tick(now=valid_until - SECOND))
    report = tick(now=valid_until)
    assert report.expired == [str(consent.id)]
    assert report.escalated == report.reminded == []

    db.session.expire_all()
    consent = db.session.get(Consent, consent.id)
    handover = db.session.get(Handover, handover.id)
    case = db.session.get(Case, case.id)
    assert (consent.state, consent.ended_at) == ("expired", valid_until)
    assert (handover.state, handover.ended_reason) == ("withdrawn", "consent expire")
    assert case.state == "question_formulated"

    expire, = (e for e in events("transition", consent.id) if e.trigger == "expire")
    withdraw, = (e for e in events("transition", handover.id) if e.trigger == "withdraw")
    failed, = (e for e in events("transition", case.id) if e.trigger == "referral_failed")
    for event in (expire, withdraw, failed):
        assert (event.actor_id, event.actor_role) == (None, None)  # the system did it
    assert expire.seq < withdraw.seq < failed.seq
    assert withdraw.arguments == {"reason": "consent expire"}

    before = audit_count()
    assert_nothing_done(tick(now=valid_until + timedelta(days=60)))
    assert audit_count() == before
    assert db.session.get(Case, case.id).state == "question_formulated"


def test_expiry_leaves_handovers_on_another_consent_alone(world):
    case = ready_case(world)
    short = factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                     valid_until=utcnow() + timedelta(days=1))
    factories.create_handover(case, world.coach, world.schuldhulp, state="offered", consent=short)
    lasting = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                        professional=world.professional)
    db.session.commit()
    assert tick(now=utcnow() + timedelta(days=2)).expired == [str(short.id)]
    db.session.expire_all()
    assert db.session.get(Handover, lasting.id).state == "accepted"
    assert db.session.get(Case, case.id).state == "referred"  # one handover still active


def test_a_refused_or_requested_consent_never_expires(world):
    requested = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                         state="requested")
    refused = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       state="refused")
    db.session.commit()
    assert_nothing_done(tick(now=utcnow() + timedelta(days=800)))
    assert (requested.state, refused.state) == ("requested", "refused")


def test_tick_does_everything_due_at_once_and_nothing_twice(world):
    offered = handover_in(world, "offered")
    intro_at = utcnow() + timedelta(hours=1)
    scheduled = factories.create_handover(offered.case, world.coach, world.schuldhulp,
                                          state="intro_scheduled", intro_at=intro_at,
                                          professional=world.other_professional)
    expiring = factories.create_consent(world.resident, world.coach, world.welzijn,
                                        valid_until=utcnow() + timedelta(hours=1))
    db.session.commit()
    now = utcnow() + timedelta(days=10)
    report = tick(now=now)
    assert (report.escalated, report.reminded, report.expired) == (
        [str(offered.id)], [str(scheduled.id)], [str(expiring.id)])
    assert_nothing_done(tick(now=now))
    assert_nothing_done(tick(now=now + timedelta(days=1)))


def test_the_cli_prints_what_it_did(app, world):
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam)
    consent.valid_until = utcnow() - timedelta(milliseconds=1)  # given, and now past its end
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["workflows", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "reminded 0 organisation(s) of handover(s) unanswered for 3 working days",
        "escalated 0 handover(s) unanswered for 5 working days",
        "reminded about 0 introduction(s) not recorded",
        "reminded 0 coach(es) of consent(s) ending within 30 days",
        "expired 1 consent(s) past valid_until",
        "told coaches of 0 check-in(s) due",
    ]
    again = app.test_cli_runner().invoke(args=["workflows", "tick"])
    assert "expired 0 consent(s) past valid_until" in again.output.splitlines()
