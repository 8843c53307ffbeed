"""The resident's own page: the letter, activation, sign-in, throttling and lock-out, what the
resident sees and never sees, withdrawing a consent, a message to the coach, and the one gate
that keeps a resident's session out of everything else."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.auth.models import User
from app.db import db, utcnow
from app.handovers.models import Handover
from app.notifications.models import Notification, NotificationKind
from app.portal import operations as ops
from app.portal.models import ResidentAccess, ResidentMessage
from app.portal.views import RESIDENT_ENDPOINTS
from tests import factories
from tests.web import login, text

PIN = "480613"


def _letter(world: Any, resident: Any = None) -> ops.Letter:
    letter = ops.issue_letter(world.coach, resident or world.resident)
    db.session.commit()
    return letter


def _activated(http_app: Flask, world: Any, resident: Any = None) -> tuple[Any, ops.Letter]:
    """A client signed in as the resident, through the activation form."""
    letter = _letter(world, resident)
    client = http_app.test_client()
    response = client.post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code,
        "pin": PIN, "pin_again": PIN})
    assert response.status_code == 302, text(response)
    assert response.headers["Location"].endswith("/mijn")
    return client, letter


def _sign_in(http_app: Flask, number: str, pin: str = PIN) -> Any:
    client = http_app.test_client()
    return client, client.post("/mijn/inloggen", data={"account_number": number, "pin": pin})


# --- the letter and the first use -------------------------------------------------------------


def test_the_coach_prints_a_letter_that_holds_the_code_once(http_app, world):
    coach = login(http_app, world.coach)
    page = coach.get(f"/residents/{world.resident.id}/own-page")
    assert page.status_code == 200
    assert "Nog geen brief gemaakt" in text(page)
    letter = coach.post(f"/residents/{world.resident.id}/own-page/letter")
    assert letter.status_code == 200
    assert letter.headers["Cache-Control"] == "no-store"
    html = text(letter)
    code = re.search(r'Uw code: <span class="code">([A-Z-]+)</span>', html).group(1)
    number = re.search(r'Uw nummer: <span class="code">(\d{10})</span>', html).group(1)
    assert "<svg" in html  # the QR code
    access = db.session.execute(select(ResidentAccess)).scalar_one()
    db.session.refresh(access)
    assert access.account_number == number
    assert code not in str(access.code_hash) and len(access.code_hash) == 64
    # Neither the code nor the number's secret half is in any log.
    events = db.session.execute(select(AuditEvent)).scalars().all()
    assert code not in repr([(e.details, e.object_id) for e in events])
    assert coach.get(f"/residents/{world.resident.id}/own-page").status_code == 200


def test_activation_sets_the_pin_uses_the_code_up_and_tells_the_coach(http_app, world):
    client, letter = _activated(http_app, world)
    home = client.get("/mijn")
    assert home.status_code == 200
    assert "Hallo Fatima" in text(home) or world.resident.display_name in text(home)
    again = http_app.test_client().post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code,
        "pin": "975310", "pin_again": "975310"})
    assert again.status_code == 422  # the code works once
    assert db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.coach.id,
        Notification.kind == NotificationKind.RESIDENT_ACCESS_ACTIVATED)).scalar_one() == 1
    user = db.session.execute(select(User).where(User.resident_id == world.resident.id)
                              ).scalar_one()
    assert user.password_hash.startswith("$argon2id$")
    assert user.email is None and user.name == ""


@pytest.mark.parametrize("pin, message", [
    ("12345", "minstens 6"), ("123456", "niet makkelijk te raden"),
    ("000000", "niet makkelijk te raden"), ("987654", "niet makkelijk te raden")])
def test_a_weak_pin_is_refused_and_the_code_still_works(http_app, world, pin, message):
    letter = _letter(world)
    response = http_app.test_client().post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code,
        "pin": pin, "pin_again": pin})
    assert response.status_code == 422
    assert message in text(response)
    client = http_app.test_client()
    ok = client.post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code.lower().replace("-", " "),
        "pin": PIN, "pin_again": PIN})
    assert ok.status_code == 302


def test_a_code_past_its_14_days_opens_nothing(http_app, world):
    letter = _letter(world)
    access = db.session.execute(select(ResidentAccess)).scalar_one()
    access.code_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = http_app.test_client().post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code,
        "pin": PIN, "pin_again": PIN})
    assert response.status_code == 422
    assert "nieuwe brief" in text(response)


# --- sign-in, throttling, lock-out ------------------------------------------------------------


def test_sign_in_with_number_and_pin(http_app, world):
    _client, letter = _activated(http_app, world)
    client, response = _sign_in(http_app, letter.account_number)
    assert response.status_code == 302
    assert client.get("/mijn").status_code == 200
    _other, wrong = _sign_in(http_app, letter.account_number, "999999")
    assert wrong.status_code == 401
    assert "komen niet overeen" in text(wrong)


def test_five_wrong_pins_lock_the_account_until_a_new_letter(http_app, world):
    _client, letter = _activated(http_app, world)
    for _ in range(ops.MAX_FAILURES):
        _c, response = _sign_in(http_app, letter.account_number, "999999")
        assert response.status_code in (401, 429)
        if response.status_code == 429:  # the shared throttle may step in first
            access = db.session.execute(select(ResidentAccess)).scalar_one()
            access.failures = ops.MAX_FAILURES - 1
            db.session.execute(db.text("DELETE FROM login_throttles"))
            db.session.commit()
    db.session.execute(db.text("DELETE FROM login_throttles"))
    db.session.commit()
    _c, right = _sign_in(http_app, letter.account_number, PIN)
    assert right.status_code == 401
    assert "geblokkeerd" in text(right)
    access = db.session.execute(select(ResidentAccess)).scalar_one()
    db.session.refresh(access)
    assert access.locked_at is not None
    coach = login(http_app, world.coach)
    assert "Geblokkeerd" in text(coach.get(f"/residents/{world.resident.id}/own-page"))
    # A new letter, handed over in person, opens it again with a new PIN.
    new = _letter(world)
    assert new.account_number == letter.account_number
    _c, old_pin = _sign_in(http_app, letter.account_number, PIN)
    assert old_pin.status_code == 401


def test_guessing_is_throttled_per_address(http_app, world):
    """Many wrong numbers from one address: the address is blocked, whatever number."""
    client = http_app.test_client()
    statuses = [client.post("/mijn/inloggen", data={"account_number": f"{1000000000 + i}",
                                                    "pin": "999999"}).status_code
                for i in range(35)]
    assert statuses[-1] == 429
    assert 401 in statuses


def test_an_unknown_number_and_a_wrong_pin_answer_alike(http_app, world):
    _client, letter = _activated(http_app, world)
    _c, unknown = _sign_in(http_app, "1234567890", "999999")
    _c, wrong = _sign_in(http_app, letter.account_number, "999999")
    assert unknown.status_code == wrong.status_code == 401
    assert "komen niet overeen" in text(unknown) and "komen niet overeen" in text(wrong)


# --- sessions end ------------------------------------------------------------------------------


def test_an_idle_session_ends_after_15_minutes(http_app, world):
    client, _letter = _activated(http_app, world)
    with client.session_transaction() as session:
        session["resident_seen"] = utcnow().timestamp() - ops.IDLE_LIMIT.total_seconds() - 1
    response = client.get("/mijn")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/mijn/inloggen")
    assert client.get("/mijn").status_code == 302


def test_revoking_ends_the_session_at_once(http_app, world):
    client, _letter = _activated(http_app, world)
    officer = login(http_app, world.privacy_officer)
    assert officer.post(f"/residents/{world.resident.id}/own-page/revoke").status_code == 302
    assert client.get("/mijn").status_code == 302


def test_erasure_ends_the_access(http_app, world):
    from app.privacy.operations import erase

    client, letter = _activated(http_app, world)
    erase(world.privacy_officer, world.resident)
    db.session.commit()
    assert client.get("/mijn").status_code == 302
    _c, again = _sign_in(http_app, letter.account_number)
    assert again.status_code == 401


def test_closing_the_case_with_no_further_contact_ends_the_access(http_app, world):
    from app.cases.operations import fire_case

    case = factories.create_case(world.resident, world.coach, state="contacted")
    db.session.commit()
    client, letter = _activated(http_app, world)
    assert client.get("/mijn").status_code == 200
    fire_case(case, "close", world.coach, {"outcome": ops.NO_FURTHER_CONTACT})
    db.session.commit()
    assert client.get("/mijn").status_code == 302
    _c, again = _sign_in(http_app, letter.account_number)
    assert again.status_code == 401
    assert "beëindigd" in text(again)


# --- what the resident sees, and never sees ----------------------------------------------------


def test_the_page_shows_consents_help_question_handover_and_who_read_it(http_app, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    case.coach_notes = "Vertrouwelijke werkaantekening van de coach"
    case.safety_notes = "Veiligheidsnotitie"
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         professional=world.professional)
    handover.note = "Notitie bij de overdracht"
    db.session.commit()
    professional = login(http_app, world.professional)
    assert professional.get(f"/handovers/{handover.id}").status_code == 200
    client, _letter = _activated(http_app, world)
    html = text(client.get("/mijn"))
    assert world.buurtteam.name in html
    assert "Intrekken" in html
    assert case.help_question.text in html
    assert "Wie zag of kreeg uw gegevens" in html
    assert "Professional" in html  # the reader's role, never their name
    assert world.professional.name not in html and world.coach.name not in html
    for secret in ("Vertrouwelijke werkaantekening", "Veiligheidsnotitie",
                   "Notitie bij de overdracht"):
        assert secret not in html
    # Opening the page is logged as the resident's own access.
    entry = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.action == "self_access")).scalars().all()[-1]
    assert entry.decision == "allowed"
    assert entry.data_subject_id == str(world.resident.id)
    assert entry.actor_role == "resident"


def test_a_household_member_and_other_residents_stay_out_of_sight(http_app, world):
    housemate = factories.create_resident(world.dwelling, display_name="Youssef Huisgenoot")
    factories.create_consent(housemate, world.coach, world.schuldhulp)
    other = factories.create_consent(world.other_resident, world.other_coach, world.schuldhulp)
    db.session.commit()
    client, _letter = _activated(http_app, world)
    html = text(client.get("/mijn"))
    assert "Youssef" not in html and world.schuldhulp.name not in html
    assert client.get(f"/mijn/toestemming/{other.id}/intrekken").status_code == 404
    assert client.post(f"/mijn/toestemming/{other.id}/intrekken").status_code == 404


def test_withdrawing_a_consent_withdraws_its_handover_and_tells_coach_and_organisation(
        http_app, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    db.session.commit()
    client, _letter = _activated(http_app, world)
    confirm = client.get(f"/mijn/toestemming/{handover.consent_id}/intrekken")
    assert confirm.status_code == 200
    assert "Ja, intrekken" in text(confirm)
    done = client.post(f"/mijn/toestemming/{handover.consent_id}/intrekken")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Handover, handover.id).state == "withdrawn"
    kinds = {(n.user_id, n.kind) for n in db.session.execute(select(Notification)).scalars()}
    assert (world.coach.id, NotificationKind.CONSENT_WITHDRAWN_BY_RESIDENT) in kinds
    assert (world.professional.id, NotificationKind.HANDOVER_WITHDRAWN) in kinds
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "consent", AuditEvent.trigger == "withdraw")).scalar_one()
    assert event.actor_role == "resident"
    # The coach's inbox says so.
    coach = login(http_app, world.coach)
    assert "trok een toestemming in" in text(coach.get("/notifications"))
    # Withdrawn is withdrawn: a second time changes nothing.
    assert client.post(f"/mijn/toestemming/{handover.consent_id}/intrekken").status_code == 302
    assert "Ingetrokken" in text(client.get("/mijn"))


def test_a_message_reaches_the_coach(http_app, world):
    factories.create_case(world.resident, world.coach, state="contacted")
    db.session.commit()
    client, _letter = _activated(http_app, world)
    empty = client.post("/mijn/bericht", data={"kind": "message", "text": "  "})
    assert empty.status_code == 422
    sent = client.post("/mijn/bericht", data={"kind": "message",
                                              "text": "Kunt u dinsdag langskomen?"})
    assert sent.status_code == 302
    assert client.post("/mijn/bericht", data={"kind": "call_back"}).status_code == 302
    assert db.session.execute(select(func.count()).select_from(ResidentMessage)
                              ).scalar_one() == 2
    coach = login(http_app, world.coach)
    page = text(coach.get(f"/residents/{world.resident.id}/own-page"))
    assert "Kunt u dinsdag langskomen?" in page and "Graag terugbellen" in page
    # The message's words are nowhere in the logs.
    events = db.session.execute(select(AuditEvent)).scalars().all()
    assert "dinsdag" not in repr([e.details for e in events])


# --- the one gate ------------------------------------------------------------------------------


def _every_other_rule(http_app: Flask) -> list[tuple[str, str]]:
    rules = []
    for rule in http_app.url_map.iter_rules():
        if rule.endpoint in RESIDENT_ENDPOINTS or rule.endpoint == "static":
            continue
        url = re.sub(r"<uuid:[a-z_]+>", "00000000-0000-4000-8000-000000000000", rule.rule)
        url = re.sub(r"<[^>]+>", "1", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((method, url))
    return rules


def test_a_residents_session_reaches_nothing_but_their_own_pages(http_app, world):
    client, _letter = _activated(http_app, world)
    anonymous = http_app.test_client()
    rules = _every_other_rule(http_app)
    assert len(rules) > 100
    for method, url in rules:
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            # The API never reads a session: the resident is as anonymous there as anyone
            # (401, or a public document); a token of theirs is answered 404 (below).
            assert response.status_code == anonymous.open(url, method=method).status_code
            continue
        assert response.status_code == 404, (method, url, response.status_code)
    # A real object of their own coach's pages too.
    assert client.get(f"/residents/{world.resident.id}").status_code == 404
    assert client.get("/mijn").status_code == 200  # still signed in


def test_a_resident_never_holds_an_api_token(http_app, world):
    """Even a token made for a resident's account by hand reaches nothing: every operation of
    the API answers 404 (the authorisation matrix's row for the role resident)."""
    from app.auth.operations import issue_token

    _client, _letter = _activated(http_app, world)
    user = db.session.execute(select(User).where(User.resident_id == world.resident.id)
                              ).scalar_one()
    raw, _token = issue_token(user)
    db.session.commit()
    client = http_app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    api = [(method, url) for method, url in _every_other_rule(http_app)
           if url.startswith("/api/")]
    assert len(api) > 50
    for method, url in api:
        assert client.open(url, method=method, headers=headers).status_code == 404, url
    assert client.get(f"/api/v1/residents/{world.resident.id}",
                      headers=headers).status_code == 404


def test_staff_do_not_use_the_residents_pages(http_app, world):
    coach = login(http_app, world.coach)
    assert coach.get("/mijn").status_code == 404
    assert coach.get("/mijn/bericht").status_code == 404
    professional = login(http_app, world.professional)
    assert professional.get(f"/residents/{world.resident.id}/own-page").status_code == 403
    other = login(http_app, world.other_coach)
    assert other.get(f"/residents/{world.resident.id}/own-page").status_code == 404
    assert other.post(f"/residents/{world.resident.id}/own-page/letter").status_code == 404


def test_the_admin_never_lists_or_edits_a_residents_account(http_app, world):
    _client, _letter = _activated(http_app, world)
    user = db.session.execute(select(User).where(User.resident_id == world.resident.id)
                              ).scalar_one()
    coordinator = login(http_app, world.coordinator)
    assert coordinator.get(f"/admin/users/{user.id}").status_code == 404
    listed = text(coordinator.get("/admin/users"))
    assert f"/admin/users/{user.id}\"" not in listed


def test_the_pages_carry_no_personal_data_in_their_urls(http_app, world):
    client, letter = _activated(http_app, world)
    html = text(client.get("/mijn"))
    for href in re.findall(r'(?:href|action)="([^"]+)"', html):
        assert letter.account_number not in href
        assert world.resident.display_name.split()[0] not in href


# --- odd input ---------------------------------------------------------------------------------


ODD = ["\x00", "9999-12-31T23:59", "0001-01-01", "x" * 5000, "١٢٣٤٥٦٧٨", "<script>", "%s%n"]


def test_the_residents_forms_take_odd_input_without_a_server_error(http_app, world):
    from tests.writes import nothing_written

    client, letter = _activated(http_app, world)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    anonymous = http_app.test_client()
    for value in ODD:
        for url, fields in (("/mijn/activeren", ("account_number", "code", "pin", "pin_again")),
                            ("/mijn/inloggen", ("account_number", "pin"))):
            response = anonymous.post(url, data=dict.fromkeys(fields, value))
            assert response.status_code in (400, 401, 422, 429), (url, value)
        db.session.execute(db.text("DELETE FROM login_throttles"))
        db.session.commit()
        with nothing_written():
            refused = [{"kind": value, "text": "hallo"},
                       {"kind": "message", "text": value * (ops.MESSAGE_MAX_LENGTH + 1)}]
            if value == "\x00":
                refused.append({"kind": "message", "text": value})
            for data in refused:
                response = client.post("/mijn/bericht", data=data)
                assert response.status_code in (400, 413, 422), (data, response.status_code)
            assert client.post("/mijn/toestemming/not-a-uuid/intrekken").status_code == 404
    assert client.get(f"/mijn/toestemming/{consent.id}/intrekken").status_code == 200
    assert letter.account_number


def test_every_page_the_resident_opens_is_one_entry_of_the_processing_log(http_app, world):
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    client, _letter = _activated(http_app, world)

    def own_views() -> int:
        return db.session.execute(select(func.count()).select_from(ProcessingLogEntry).where(
            ProcessingLogEntry.action == "self_access")).scalar_one()

    for url in ("/mijn", f"/mijn/toestemming/{consent.id}/intrekken", "/mijn/bericht"):
        before = own_views()
        assert client.get(url).status_code == 200
        assert own_views() == before + 1, url
