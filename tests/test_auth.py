from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import throttle
from app.auth.models import ApiToken
from app.auth.operations import end_all_sessions
from app.db import db, utcnow
from tests import factories


def test_token_login_returns_token_expiry_and_user(api, world):
    response = api.post("/api/v1/auth/token",
                        json={"email": world.coach.email, "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"]["role"] == "flatcoach"
    assert body["user"]["email"] == world.coach.email


def test_token_is_stored_hashed(api, world):
    api.login(world.coach)
    stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert api.token not in stored
    assert all(len(h) == 64 for h in stored)


@pytest.mark.parametrize("role", ["flatcoach", "professional", "privacy_officer", "coordinator"])
def test_me_reports_role(as_user, world, role):
    user = world.user(role)
    body = as_user(user).get("/api/v1/me").json
    assert body["role"] == role
    assert body["id"] == user.id
    assert set(body) == {"id", "email", "name", "role", "organization", "phone"}


def test_bad_credentials_same_answer_for_unknown_email(api, world):
    wrong = api.post("/api/v1/auth/token", json={"email": world.coach.email, "password": "nope"})
    unknown = api.post("/api/v1/auth/token",
                       json={"email": "nobody@buurtpad.test", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert set(wrong.json) == {"code", "status", "message", "errors"}


def test_login_success_and_failure_are_audited(api, world):
    api.post("/api/v1/auth/token", json={"email": world.coach.email, "password": "nope"})
    api.login(world.coach)
    events = db.session.execute(select(AuditEvent.event_type)).scalars().all()
    assert "login_failed" in events
    assert "login_succeeded" in events


def test_audit_events_hold_no_email_or_password(api, world):
    api.post("/api/v1/auth/token", json={"email": world.coach.email, "password": "secret-typo"})
    for event in db.session.execute(select(AuditEvent)).scalars():
        assert world.coach.email not in str(event.details)
        assert "secret-typo" not in str(event.details)


def test_missing_and_bad_token_are_401(api):
    assert api.get("/api/v1/me").status_code == 401
    response = api.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_revoked_token_stops_working(api, world):
    api.login(world.coach)
    assert api.delete("/api/v1/auth/token").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_expired_token_is_refused(api, world):
    api.login(world.coach)
    for token in db.session.execute(select(ApiToken)).scalars():
        token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.get("/api/v1/me").status_code == 401


def test_deactivated_user_loses_tokens_at_once(api, world):
    api.login(world.coach)
    world.coach.active = False
    end_all_sessions(world.coach)
    db.session.commit()
    assert api.get("/api/v1/me").status_code == 401
    again = api.post("/api/v1/auth/token",
                     json={"email": world.coach.email, "password": factories.PASSWORD})
    assert again.status_code == 401


def test_api_ignores_session_cookie(client, world):
    """A logged-in browser session must not authenticate API calls (no CSRF riding)."""
    client.post("/login", data={"email": world.coach.email, "password": factories.PASSWORD})
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_burst_of_wrong_passwords_slows_then_blocks_the_account(api, world):
    email = world.coach.email
    statuses = [
        api.post("/api/v1/auth/token", json={"email": email, "password": "wrong"}).status_code
        for _ in range(throttle.ACCOUNT_FREE_FAILURES + 1)
    ]
    assert statuses[: throttle.ACCOUNT_FREE_FAILURES] == [401] * throttle.ACCOUNT_FREE_FAILURES
    assert statuses[-1] == 429
    blocked = api.post("/api/v1/auth/token", json={"email": email, "password": factories.PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    # Another account from the same address is not affected.
    other = api.post("/api/v1/auth/token",
                     json={"email": world.other_coach.email, "password": factories.PASSWORD})
    assert other.status_code == 201


def test_account_block_lasts_a_while(ctx, world):
    now = utcnow()
    account = throttle.account_key(world.coach.email)
    for _ in range(throttle.ACCOUNT_BLOCK_FAILURES):
        throttle.record_failure(account, throttle.address_key("10.9.9.9"), now)
    assert throttle.seconds_to_wait([account], now) >= 14 * 60
    later = now + throttle.BLOCK_PERIOD + timedelta(seconds=1)
    assert throttle.seconds_to_wait([account], later) == 0


def test_one_address_cannot_lock_every_account(ctx, world):
    """An attacker who waits out every delay is blocked by address after a burst, having
    locked at most a few accounts."""
    now = utcnow()
    address = throttle.address_key("10.1.2.3")
    victims = [throttle.account_key(f"victim{i}@x.test") for i in range(50)]
    attempts = 0
    for victim in victims:
        for _ in range(throttle.ACCOUNT_BLOCK_FAILURES):
            if throttle.seconds_to_wait([address], now):
                break
            throttle.record_failure(victim, address, now)
            attempts += 1
    locked = [v for v in victims if throttle.seconds_to_wait([v], now) > 60]
    assert attempts == throttle.ADDRESS_BLOCK_FAILURES
    assert len(locked) <= throttle.ADDRESS_BLOCK_FAILURES // throttle.ACCOUNT_BLOCK_FAILURES
    assert throttle.seconds_to_wait([throttle.account_key("someone@else.test")], now) == 0


def test_unknown_email_is_throttled_like_a_known_one(api):
    statuses = [
        api.post("/api/v1/auth/token",
                 json={"email": "ghost@buurtpad.test", "password": "x"}).status_code
        for _ in range(throttle.ACCOUNT_FREE_FAILURES + 1)
    ]
    assert statuses[-1] == 429


def test_password_hash_is_argon2id_with_owasp_minimum(world):
    assert world.coach.password_hash.startswith("$argon2id$")
    params = world.coach.password_hash.split("$")[3]
    values = dict(p.split("=") for p in params.split(","))
    assert int(values["m"]) >= 19 * 1024
    assert int(values["t"]) >= 2
