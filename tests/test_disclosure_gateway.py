"""The consent gateway: every offer and every professional's read of a handover is one
policy decision and exactly one processing-log entry, allowed or denied; when the consent
stops being valid, access ends at once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db, utcnow
from app.handovers.operations import fire_handover
from app.timers.operations import tick
from tests import factories

NO_COVER = "No valid consent or approved safety disclosure covers this handover: "
NOTE = "Mevrouw wil graag dat haar dochter bij het eerste gesprek is"
PLACE = "Bij mevrouw thuis, derde verdieping"


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


def last_seq() -> int:
    return db.session.execute(select(func.max(ProcessingLogEntry.seq))).scalar() or 0


def entries_after(seq: int) -> list[ProcessingLogEntry]:
    return list(db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.seq > seq)
        .order_by(ProcessingLogEntry.seq)).scalars())


def offer(api: Any, handover: Any) -> Any:
    return api.post(f"/api/v1/handovers/{handover.id}/transitions",
                    json={"trigger": "offer", "version": handover.version})


def read(api: Any, handover: Any) -> Any:
    return api.get(f"/api/v1/handovers/{handover.id}")


def setup_draft(world: Any, *, consent_categories: tuple[str, ...] = ("identity", "contact"),
                handover_categories: tuple[str, ...] = ("identity", "contact"),
                consent_state: str = "given", organization: str = "buurtteam",
                purpose: str = "warm_handover") -> tuple[Any, Any, Any]:
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(case.resident, world.coach, world.buurtteam,
                                                consent_categories, state=consent_state)
    handover = factories.create_handover_in_state(
        case, world.coach, getattr(world, organization), handover_categories, purpose=purpose,
        state="draft")
    db.session.commit()
    return case, consent, handover


def setup_accepted(world: Any) -> tuple[Any, Any, Any]:
    case = factories.create_formulated_case(world.resident, world.coach)
    # The coach's note travels only because the consent covers `notes`.
    categories = ["identity", "contact", "help_question", "notes"]
    consent = factories.create_consent_in_state(case.resident, world.coach, world.buurtteam,
                                                categories)
    handover = factories.create_handover_in_state(
        case, world.coach, world.buurtteam, categories,
        state="accepted", professional=world.professional)
    handover.note = NOTE
    handover.intro_place = PLACE
    db.session.commit()
    return case, consent, handover


# --- offers ---------------------------------------------------------------------------------


def test_an_allowed_offer_writes_exactly_one_processing_log_entry(login, world):
    case, consent, handover = setup_draft(world)
    since = last_seq()

    response = offer(login(world.coach), handover)

    assert response.status_code == 200
    assert response.json["state"] == "offered"
    assert response.json["consent_id"] == str(consent.id)
    [entry] = entries_after(since)
    assert entry.action == "offer_handover"
    assert entry.processing_activity == "warm_handover"
    assert entry.decision == "allowed"
    assert entry.legal_basis == "consent"
    assert entry.consent_id == str(consent.id)
    assert entry.safety_disclosure_id is None
    assert entry.categories == ["contact", "identity"]
    assert entry.data_subject_id == str(world.resident.id)
    assert entry.actor_id == world.coach.id
    assert entry.actor_role == "flatcoach"
    assert entry.recipient_organization_id == world.buurtteam.id
    assert (entry.object_type, entry.object_id) == ("handover", str(handover.id))
    assert entry.request_id == response.headers["X-Request-Id"]
    db.session.refresh(case)
    assert case.state == "referred"


def _gaps(kind: str, world: Any, consent: Any) -> list[str]:
    ref = f"(consent {consent.id})"
    return {
        "categories exceed the consent": [f"consent does not cover categories: finances {ref}"],
        "another organisation": [
            f"no consent for purpose warm_handover and organisation {world.schuldhulp.id}",
            f"consent is for organisation {world.buurtteam.id}, not {world.schuldhulp.id} {ref}"],
        "another purpose": [
            f"no consent for purpose resident_connection and organisation {world.buurtteam.id}",
            f"purpose differs: consent is for warm_handover, not resident_connection {ref}"],
        "requested": [f"consent is requested but not given {ref}"],
        "refused": [f"consent was refused {ref}"],
        "withdrawn": [f"consent is withdrawn {ref}"],
        "expired": [f"consent expired on {consent.valid_until.isoformat()} {ref}"],
    }[kind]


@pytest.mark.parametrize(("kind", "setup"), [
    ("categories exceed the consent", {"handover_categories": ("identity", "finances")}),
    ("another organisation", {"organization": "schuldhulp"}),
    ("another purpose", {"purpose": "resident_connection"}),
    ("requested", {"consent_state": "requested"}),
    ("refused", {"consent_state": "refused"}),
    ("withdrawn", {"consent_state": "withdrawn"}),
    ("expired", {"consent_state": "expired"}),
])
def test_an_offer_without_covering_consent_is_422_and_the_denial_is_logged(
        login, world, kind, setup):
    case, consent, handover = setup_draft(world, **setup)
    coach = login(world.coach)
    since = last_seq()
    audit_before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()

    response = offer(coach, handover)

    gaps = _gaps(kind, world, consent)
    message = NO_COVER + "; ".join(["denied", *gaps, "no safety disclosure was made"])
    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity", "message": message,
                             "errors": {"trigger": [message],
                                        "allowed_triggers": ["request_consent", "offer",
                                                             "withdraw"]}}
    [entry] = entries_after(since)
    assert entry.decision == "denied"
    assert entry.action == "offer_handover"
    assert entry.processing_activity == handover.purpose
    assert entry.legal_basis is None
    assert entry.consent_id is None
    assert entry.categories == sorted(handover.data_categories)
    assert entry.data_subject_id == str(world.resident.id)
    assert entry.reasons == ["denied", *gaps, "no safety disclosure was made"]
    # Nothing else of the refused request survives: no transition, no state change.
    audit_after = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    assert audit_after == audit_before
    db.session.refresh(handover)
    db.session.refresh(case)
    assert (handover.state, case.state) == ("draft", "question_formulated")


def test_an_offer_relying_on_a_consent_past_valid_until_is_denied_before_any_tick(login, world):
    _case, consent, handover = setup_draft(world)
    consent.valid_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = offer(login(world.coach), handover)
    assert response.status_code == 422
    assert f"consent expired on {consent.valid_until.isoformat()}" in response.json["message"]


# --- professional reads -----------------------------------------------------------------------


def test_every_professional_read_writes_one_processing_log_entry(login, world):
    _case, consent, handover = setup_accepted(world)
    professional = login(world.professional)
    for _ in range(2):
        since = last_seq()
        response = read(professional, handover)
        assert response.status_code == 200
        [entry] = entries_after(since)
        assert entry.action == "read_handover"
        assert entry.decision == "allowed"
        assert entry.processing_activity == "warm_handover"
        assert entry.legal_basis == "consent"
        assert entry.consent_id == str(consent.id)
        assert entry.categories == ["contact", "help_question", "identity", "notes"]
        assert entry.data_subject_id == str(world.resident.id)
        assert entry.actor_id == world.professional.id
        assert entry.actor_organization_id == world.buurtteam.id


def test_a_coach_read_and_the_professionals_inbox_log_nothing(login, world):
    _case, _consent, handover = setup_accepted(world)
    since = last_seq()
    assert read(login(world.coach), handover).status_code == 200
    inbox = login(world.professional).get("/api/v1/handovers")
    assert inbox.status_code == 200
    assert "resident" not in inbox.json[0]
    assert entries_after(since) == []


def test_other_organisations_and_unoffered_handovers_are_404(login, world):
    case, _consent, draft = setup_draft(world)
    assert read(login(world.professional), draft).status_code == 404
    _c, _k, offered = setup_accepted(world)
    response = read(login(world.other_professional), offered)
    assert response.status_code == 404
    assert offered.case.resident.display_name not in response.get_data(as_text=True)


# --- consent leaving `given` ends access at once -----------------------------------------------


def _assert_access_ended(login: Any, world: Any, handover: Any, consent: Any,
                         gap: str) -> None:
    since = last_seq()
    response = read(login(world.professional), handover)
    assert response.status_code == 200
    body = response.json
    assert body["resident"] is None
    assert body["released_categories"] == []
    assert body["access"]["allowed"] is False
    assert f"{gap} (consent {consent.id})" in body["access"]["reasons"]
    text = response.get_data(as_text=True)
    assert NOTE not in text  # the coach's free text about the resident goes too
    assert PLACE not in text
    [entry] = entries_after(since)
    assert (entry.action, entry.decision) == ("read_handover", "denied")


@pytest.mark.parametrize(("who", "trigger", "gap"), [
    ("coach", "withdraw", "consent is withdrawn"),
    ("privacy_officer", "withdraw", "consent is withdrawn"),
    ("privacy_officer", "revoke", "consent is revoked (recorded in error)"),
])
def test_withdraw_or_revoke_withdraws_relying_handovers_in_the_same_request(
        login, world, who, trigger, gap):
    case, consent, handover = setup_accepted(world)
    before = read(login(world.professional), handover)
    assert before.json["access"]["allowed"] is True
    assert (before.json["note"], before.json["intro_place"]) == (NOTE, PLACE)
    assert set(before.json["resident"]) == {"identity", "contact", "help_question", "notes"}

    response = login(getattr(world, who)).post(
        f"/api/v1/consents/{consent.id}/transitions",
        json={"trigger": trigger, "version": consent.version, "reason": "bewoner wil stoppen"})

    assert response.status_code == 200
    db.session.expire_all()
    assert handover.state == "withdrawn"
    assert handover.ended_reason == f"consent {trigger}"
    assert case.state == "question_formulated"  # referral_failed: nothing active any more
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.request_id == response.headers["X-Request-Id"])
        .order_by(AuditEvent.seq)).scalars().all()
    assert [(e.object_type, e.trigger, e.actor_role) for e in events] == [
        ("consent", trigger, str(getattr(world, who).role)),
        ("handover", "withdraw", None),
        ("case", "referral_failed", None),
    ]
    _assert_access_ended(login, world, handover, consent, gap)


def test_expiry_by_the_timer_withdraws_relying_handovers(login, world):
    case, consent, handover = setup_accepted(world)
    report = tick(now=consent.valid_until + timedelta(seconds=1))
    assert report.expired == [str(consent.id)]
    db.session.expire_all()
    assert consent.state == "expired"
    assert handover.state == "withdrawn"
    assert handover.ended_reason == "consent expire"
    assert tick(now=consent.valid_until + timedelta(seconds=2)).expired == []  # idempotent
    _assert_access_ended(login, world, handover, consent,
                         f"consent expired on {consent.valid_until.isoformat()}")


def test_access_ends_when_valid_until_passes_even_before_the_timer_runs(login, world):
    _case, consent, handover = setup_accepted(world)
    consent.valid_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _assert_access_ended(login, world, handover, consent,
                         f"consent expired on {consent.valid_until.isoformat()}")
    db.session.refresh(handover)
    assert handover.state == "accepted"  # the timer has not run yet; access ended anyway


def test_every_active_handover_on_the_consent_is_withdrawn_and_finished_ones_stay(login, world):
    case, consent, first = setup_accepted(world)
    second = factories.create_handover_in_state(case, world.coach, world.buurtteam, ["identity"])
    done = factories.create_handover_in_state(case, world.coach, world.buurtteam, ["contact"],
                                              state="accepted", professional=world.professional)
    intro = {"intro_at": utcnow() + timedelta(days=1), "place": "Buurtkamer"}
    fire_handover(done, "schedule_intro", world.professional, intro)
    fire_handover(done, "record_intro", world.professional, {})
    fire_handover(done, "complete", world.professional, {})
    db.session.commit()

    response = login(world.coach).post(
        f"/api/v1/consents/{consent.id}/transitions",
        json={"trigger": "withdraw", "version": consent.version, "reason": "stopt"})

    assert response.status_code == 200
    db.session.expire_all()
    assert [h.state for h in (first, second, done)] == ["withdrawn", "withdrawn", "completed"]
    assert case.state == "supported"
    assert read(login(world.professional), done).json["resident"] is None


# --- names never reach the logs -----------------------------------------------------------------


def test_the_residents_name_and_phone_appear_in_no_log_row(login, world):
    name, phone = "Zoë Quispel-Marangoni", "06-31415926"
    coach = login(world.coach)
    resident = coach.post("/api/v1/residents", json={
        "dwelling_id": world.dwelling.id, "display_name": name, "phone": phone}).json
    case = coach.post("/api/v1/cases", json={"resident_id": resident["id"]}).json
    coach.post(f"/api/v1/cases/{case['id']}/transitions",
               json={"trigger": "start_exploring", "version": case["version"]})
    coach.put(f"/api/v1/cases/{case['id']}/help-question",
              json={"text": "Hulp bij formulieren", "themes": ["daily_administration"]})
    case = coach.get(f"/api/v1/cases/{case['id']}").json
    coach.post(f"/api/v1/cases/{case['id']}/transitions",
               json={"trigger": "formulate_question", "version": case["version"]})
    consent = coach.post(f"/api/v1/residents/{resident['id']}/consents", json={
        "purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
        "data_categories": ["identity", "contact"]}).json
    consent = coach.post(f"/api/v1/consents/{consent['id']}/transitions", json={
        "trigger": "give", "version": consent["version"], "method": "verbal",
        "notice_version": "v1"}).json
    denied = coach.post(f"/api/v1/cases/{case['id']}/handovers", json={
        "organization_id": world.buurtteam.id, "purpose": "warm_handover",
        "data_categories": ["identity", "finances"]}).json
    assert coach.post(f"/api/v1/handovers/{denied['id']}/transitions",
                      json={"trigger": "offer", "version": 1}).status_code == 422
    handover = coach.post(f"/api/v1/cases/{case['id']}/handovers", json={
        "organization_id": world.buurtteam.id, "purpose": "warm_handover",
        "data_categories": ["identity", "contact"]}).json
    handover = coach.post(f"/api/v1/handovers/{handover['id']}/transitions",
                          json={"trigger": "offer", "version": 1}).json
    professional = login(world.professional)
    seen = professional.get(f"/api/v1/handovers/{handover['id']}").json
    assert seen["resident"]["identity"]["display_name"] == name
    coach.post(f"/api/v1/consents/{consent['id']}/transitions", json={
        "trigger": "withdraw", "version": consent["version"], "reason": "ingetrokken"})
    professional.get(f"/api/v1/handovers/{handover['id']}")
    login(world.privacy_officer).get(f"/api/v1/residents/{resident['id']}/export")

    rows = [*db.session.execute(select(ProcessingLogEntry)).scalars(),
            *db.session.execute(select(AuditEvent)).scalars()]
    subjects = {r.data_subject_id for r in rows if isinstance(r, ProcessingLogEntry)}
    assert resident["id"] in subjects
    for row in rows:
        dumped = json.dumps({c.key: getattr(row, c.key) for c in row.__table__.columns},
                            default=str)
        assert name not in dumped
        assert "Quispel" not in dumped
        assert phone not in dumped
