"""Notifications close the loop: who hears of each handover transition and each timer, what a
notification may say to its reader, and that timers fire on the embedded default without cron."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind
from app.handovers.operations import fire_handover
from app.notifications.models import Notification, NotificationKind
from app.timers.operations import tick
from tests import factories
from tests.web import login as page_login
from tests.web import text

K = NotificationKind
NAME = "Fatima el Amrani"


def received(kind: NotificationKind | None = None) -> set[tuple[int, str]]:
    query = select(Notification.user_id, Notification.kind)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return {(user_id, str(k)) for user_id, k in db.session.execute(query).all()}


@pytest.fixture
def team(world: Any) -> Any:
    """A second professional of the buurtteam, and one who left it."""
    world.resident.display_name = NAME
    world.colleague = factories.create_user("professional", world.buurtteam)
    world.former = factories.create_user("professional", world.buurtteam, active=False)
    db.session.commit()
    return world


def _offered(world: Any, state: str = "offered") -> Any:
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state=state,
                                         professional=world.professional)
    db.session.commit()
    return handover


# -- who hears of each transition --------------------------------------------------------------

def test_an_offer_reaches_every_active_professional_of_the_receiving_organisation(team):
    handover = _offered(team)

    assert received(K.HANDOVER_OFFERED) == {(team.professional.id, "handover_offered"),
                                            (team.colleague.id, "handover_offered")}
    [one] = db.session.execute(select(Notification).where(
        Notification.user_id == team.professional.id)).scalars()
    assert (one.handover_id, one.case_id, one.resident_id) == (
        handover.id, handover.case_id, team.resident.id)


@pytest.mark.parametrize(("trigger", "by", "kind", "to"), [
    ("accept", "professional", K.HANDOVER_ACCEPTED, "coach"),
    ("decline", "professional", K.HANDOVER_DECLINED, "coach"),
])
def test_the_coach_hears_the_answer(team, trigger, by, kind, to):
    handover = _offered(team)
    arguments = {"decline_reason": "no_capacity"} if trigger == "decline" else {}

    fire_handover(handover, trigger, getattr(team, by), arguments)

    assert received(kind) == {(getattr(team, to).id, str(kind))}


def test_the_other_side_hears_of_the_introduction_and_the_coach_of_help_started(team):
    handover = _offered(team, state="accepted")
    intro_at = utcnow() + timedelta(days=2)

    fire_handover(handover, "schedule_intro", team.coach, {"intro_at": intro_at, "place": "Thuis"})
    fire_handover(handover, "reschedule_intro", team.professional,
                  {"intro_at": intro_at + timedelta(days=1), "place": "Buurtkamer"})
    fire_handover(handover, "record_intro", team.coach, {})
    fire_handover(handover, "complete", team.professional, {})

    assert received(K.INTRO_SCHEDULED) == {(team.professional.id, "intro_scheduled")}
    assert received(K.INTRO_RESCHEDULED) == {(team.coach.id, "intro_rescheduled")}
    assert received(K.INTRO_HELD) == {(team.professional.id, "intro_held")}
    assert received(K.HELP_STARTED) == {(team.coach.id, "help_started")}


def test_the_receiving_organisation_hears_when_an_offered_handover_is_withdrawn(team):
    offered = _offered(team)
    draft = factories.create_handover(offered.case, team.coach, team.schuldhulp)

    fire_handover(offered, "withdraw", team.coach, {"reason": "Bewoner wil niet meer."})
    fire_handover(draft, "withdraw", team.coach, {"reason": "Toch niet nodig."})

    assert received(K.HANDOVER_WITHDRAWN) == {(team.professional.id, "handover_withdrawn"),
                                              (team.colleague.id, "handover_withdrawn")}


# -- what a notification says to whom -----------------------------------------------------------

def test_a_notification_names_the_resident_only_to_the_coach_of_their_building(team, as_user):
    handover = _offered(team)
    fire_handover(handover, "accept", team.professional, {})
    db.session.commit()

    coach = as_user(team.coach).get("/api/v1/notifications").json
    professional = as_user(team.colleague).get("/api/v1/notifications")

    assert [(n["kind"], n["resident"], n["read"]) for n in coach] == [
        ("handover_accepted", NAME, False)]
    assert coach[0]["subject"] == f"{team.buurtteam.name} heeft de overdracht geaccepteerd"
    assert coach[0]["url"] == f"/handovers/{handover.id}"
    assert [(n["kind"], n["resident"]) for n in professional.json] == [
        ("handover_offered", None)]
    assert NAME not in professional.get_data(as_text=True)


def test_nobody_reads_or_marks_anothers_notifications(team, as_user):
    _offered(team)
    [theirs] = db.session.execute(select(Notification).where(
        Notification.user_id == team.professional.id)).scalars()

    assert as_user(team.other_professional).get("/api/v1/notifications").json == []
    response = as_user(team.other_professional).post(
        f"/api/v1/notifications/{theirs.id}/read", json={})

    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_reading_and_the_unread_count(team, as_user):
    _offered(team)
    api = as_user(team.professional)
    assert api.get("/api/v1/notifications/unread").json == {"unread": 1}
    [one] = api.get("/api/v1/notifications").json

    assert api.post(f"/api/v1/notifications/{one['id']}/read", json={}).json["read"] is True
    assert api.get("/api/v1/notifications/unread").json == {"unread": 0}
    assert api.post("/api/v1/notifications/read", json={}).json == {"marked": 0}


def test_the_header_counts_unread_and_opening_one_marks_it_read(team, http_app):
    handover = _offered(team)
    client = page_login(http_app, team.professional)

    inbox = client.get("/notifications")
    assert 'data-unread="1"' in text(inbox)
    assert "Nieuwe overdracht voor" in text(inbox)
    [one] = db.session.execute(select(Notification).where(
        Notification.user_id == team.professional.id)).scalars()
    csrf = client.get("/notifications")  # any page carries the header
    opened = client.post(f"/notifications/{one.id}/open")

    assert csrf.status_code == 200
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/handovers/{handover.id}"
    assert 'data-unread="' not in text(client.get("/notifications"))


def test_an_empty_inbox_says_what_will_arrive_there(world, http_app):
    page = page_login(http_app, world.coordinator).get("/notifications")
    assert "Nog geen meldingen" in text(page)


# -- timers and reminders ------------------------------------------------------------------------

def test_an_unanswered_offer_reminds_after_3_working_days_and_escalates_after_5(team):
    handover = _offered(team)
    offered_at = handover.offered_at

    tick(now=offered_at + timedelta(days=1))
    assert received(K.RESPONSE_REMINDER) == set()
    tick(now=handover.response_reminder_due_at)
    tick(now=handover.response_reminder_due_at + timedelta(minutes=1))  # idempotent
    assert received(K.RESPONSE_REMINDER) == {(team.professional.id, "response_reminder"),
                                             (team.colleague.id, "response_reminder")}
    assert received(K.HANDOVER_ESCALATED) == set()

    tick(now=handover.response_due_at)
    assert received(K.HANDOVER_ESCALATED) == {(team.coordinator.id, "handover_escalated")}


def test_an_unrecorded_introduction_reminds_both_sides(team):
    handover = _offered(team, state="intro_scheduled")

    tick(now=handover.intro_reminder_due_at)

    assert received(K.INTRO_OVERDUE) == {(team.coach.id, "intro_overdue"),
                                         (team.professional.id, "intro_overdue")}


def test_a_consent_reminds_the_coach_30_days_before_it_ends(team):
    consent = factories.create_consent(team.resident, team.coach, team.buurtteam)
    db.session.commit()

    tick(now=consent.valid_until - timedelta(days=31))
    assert received(K.CONSENT_EXPIRING) == set()
    tick(now=consent.valid_until - timedelta(days=30))
    tick(now=consent.valid_until - timedelta(days=29))

    assert received(K.CONSENT_EXPIRING) == {(team.coach.id, "consent_expiring")}


def test_tick_fires_the_timers_of_a_chosen_moment(app, team):
    handover = _offered(team)
    moment = (handover.response_due_at + timedelta(seconds=1)).isoformat(timespec="seconds")

    result = app.test_cli_runner().invoke(args=["workflows", "tick", "--now", moment])

    assert result.exit_code == 0, result.output
    assert "escalated 1 handover(s) unanswered for 5 working days" in result.output
    assert received(K.HANDOVER_ESCALATED) == {(team.coordinator.id, "handover_escalated")}


def test_tick_refuses_a_moment_it_cannot_read(app):
    result = app.test_cli_runner().invoke(args=["workflows", "tick", "--now", "gisteren"])
    assert result.exit_code == 2


def test_erasure_removes_the_notifications_about_the_resident(team, as_user):
    _offered(team)
    assert received() != set()

    response = as_user(team.privacy_officer).post(
        f"/api/v1/residents/{team.resident.id}/erasure", json={})

    assert response.status_code == 200
    assert received() == set()


# -- no cron on the embedded default ------------------------------------------------------------

def test_an_overdue_handover_reaches_the_coordinator_with_no_command_run(team, database_url):
    """As `make run` serves: any request fires the due timers after its answer."""
    from app import create_app
    from tests.conftest import make_test_config

    handover = _offered(team)
    handover.response_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    served = create_app(make_test_config(database_url) | {"TIMERS_WITH_REQUESTS": True})
    from app.timers import autorun

    autorun._next_look = 0.0
    response = served.test_client().get("/login")
    response.close()  # the answer has gone out: now the timers run

    assert db.session.execute(select(Alert.kind).where(
        Alert.handover_id == handover.id)).scalars().all() == [AlertKind.ESCALATION]
    assert received(K.HANDOVER_ESCALATED) == {(team.coordinator.id, "handover_escalated")}
    coordinator = page_login(served, team.coordinator)
    assert handover.organization.name in text(coordinator.get("/admin/escalations"))


def test_timers_fire_once_a_minute_whatever_the_number_of_workers(app, team):
    from app.timers.autorun import run_if_due
    from app.timers.operations import TickReport

    now = utcnow()
    first = run_if_due(app, now)
    second = run_if_due(app, now + timedelta(seconds=30))
    third = run_if_due(app, now + timedelta(seconds=61))

    assert first == TickReport()  # ran: nothing was due
    assert second is None
    assert third == TickReport()


# -- the e-mail digest, against a real SMTP server on this machine ---------------------------

@pytest.fixture
def smtp_server() -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.messages.append(message)

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_the_daily_digest_counts_notifications_and_names_no_resident(app, team, smtp_server):
    controller, inbox = smtp_server
    handover = _offered(team)
    fire_handover(handover, "accept", team.professional, {})
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      PUBLIC_URL="https://buurtpad.example")
    try:
        now = utcnow()
        first = tick(now=now)
        again = tick(now=now + timedelta(hours=1))
        fire_handover(handover, "withdraw", team.coach, {"reason": "Verhuisd."})
        db.session.commit()
        soon = tick(now=now + timedelta(hours=2))
        next_day = tick(now=now + timedelta(days=1, hours=1))
    finally:
        app.config.update(SMTP_HOST=None)

    assert (first.digests, again.digests, soon.digests, next_day.digests) == (3, 0, 0, 2)
    by_recipient: dict[str, list[str]] = {}
    for message in inbox.messages:
        by_recipient.setdefault(message["To"], []).append(message["Subject"])
        body = message.get_payload(decode=True).decode()
        assert NAME not in body and NAME not in message["Subject"]
        assert "https://buurtpad.example/notifications" in body
    assert by_recipient[team.coach.email] == ["1 nieuwe melding in Buurtpad"]
    assert by_recipient[team.professional.email] == ["1 nieuwe melding in Buurtpad"] * 2
    assert by_recipient[team.colleague.email] == ["1 nieuwe melding in Buurtpad"] * 2


def test_no_digest_without_an_smtp_server(team):
    _offered(team)
    assert tick().digests == 0
    assert db.session.execute(select(Notification.emailed_at)).scalars().all() == [None, None]


# -- escalations a coordinator can act on --------------------------------------------------------

def test_a_coordinator_contacts_the_organisation_and_resolves_the_escalation(team, http_app):
    from app.audit.models import AuditEvent

    handover = _offered(team)
    tick(now=handover.response_due_at)
    [alert] = db.session.execute(select(Alert)).scalars()
    coordinator = page_login(http_app, team.coordinator)

    page = text(coordinator.get("/admin/escalations"))
    assert f'href="mailto:{team.professional.email}"' in page
    assert f'href="mailto:{team.colleague.email}"' in page
    assert team.former.email not in page  # no longer works there
    empty = coordinator.post(f"/admin/escalations/{alert.id}/resolve", data={"note": ""})
    assert empty.status_code == 422
    assert "Dit veld is verplicht." in text(empty)
    db.session.refresh(alert)
    assert alert.resolved_at is None

    done = coordinator.post(f"/admin/escalations/{alert.id}/resolve",
                            data={"note": "Gebeld met het buurtteam, ze pakken het op."})

    assert done.status_code == 302
    db.session.refresh(alert)
    assert (alert.resolved_by_id, alert.resolution_note) == (
        team.coordinator.id, "Gebeld met het buurtteam, ze pakken het op.")
    [event] = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "escalation_resolved")).scalars()
    assert (event.actor_id, event.object_id, event.details) == (
        team.coordinator.id, str(handover.id), {"alert_id": alert.id})
    after = text(coordinator.get("/admin/escalations"))
    assert "Geen openstaande escalaties" in after
    assert "Gebeld met het buurtteam" in after
    twice = coordinator.post(f"/admin/escalations/{alert.id}/resolve", data={"note": "Nog eens."})
    assert twice.status_code == 302
    assert "Deze escalatie is al opgelost." in text(coordinator.get("/admin/escalations"))


def test_only_a_coordinator_resolves_escalations(team, http_app):
    handover = _offered(team)
    tick(now=handover.response_due_at)
    [alert] = db.session.execute(select(Alert)).scalars()

    response = page_login(http_app, team.coach).post(
        f"/admin/escalations/{alert.id}/resolve", data={"note": "Opgelost, zegt de coach."})

    assert response.status_code == 403
    db.session.refresh(alert)
    assert alert.resolved_at is None
