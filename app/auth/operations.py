from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app.audit.operations import record_event
from app.auth import throttle
from app.auth.models import ApiToken, User, new_session_nonce
from app.auth.passwords import hash_password, verify_dummy, verify_password
from app.db import db, utcnow


class InvalidCredentials(Exception):
    pass


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str, address: str, channel: str) -> User:
    """Check a password login. Failures are counted and audited; the caller commits."""
    now = utcnow()
    account, addr = throttle.account_key(email), throttle.address_key(address)
    wait = throttle.seconds_to_wait([account, addr], now)
    if wait:
        record_event("login_throttled", details={"channel": channel, "account": account[8:20]})
        raise LoginThrottled(wait)
    user = find_user_by_email(email)
    if user is None:
        verify_dummy(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    if not ok:
        throttle.record_failure(account, addr, now)
        record_event(
            "login_failed",
            actor=user,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            details={"channel": channel, "account": account[8:20]},
        )
        raise InvalidCredentials()
    throttle.record_success(account, now)
    record_event("login_succeeded", actor=user, object_type="user", object_id=user.id,
                 details={"channel": channel})
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_token_hash(raw),
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


@cache
def _token_by_hash() -> Any:
    """Built once, given the hash as a parameter: every API request looks its token up, and
    building the statement each time cost more than running it."""
    return (select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.organization))
            .where(ApiToken.token_hash == bindparam("token_hash")))


def token_for(raw: str, now: datetime | None = None) -> ApiToken | None:
    now = now or utcnow()
    token = db.session.execute(
        _token_by_hash(), {"token_hash": _token_hash(raw)}).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    return token


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    record_event("token_revoked", actor=token.user, object_type="user", object_id=token.user_id)


def choose_language(user: User, code: str) -> None:
    """Remember the language the user picked for the pages, on every device they log in on."""
    if code not in current_app.config["LANGUAGES"]:
        raise ValueError(code)
    user.locale = code
    db.session.flush()


def end_web_sessions(user: User) -> None:
    """Every web session of the user ends now, on every device: the session cookie names the
    nonce it was issued with (`User.get_id`), and the loader refuses any other, so a copied
    cookie is dead too."""
    user.session_nonce = new_session_nonce()


def record_logout(user: User) -> None:
    """The user logged out of the pages (their web sessions end: `end_web_sessions`)."""
    record_event("logout", actor=user, object_type="user", object_id=user.id)


def end_all_sessions(user: User) -> None:
    """Deactivation and a new password: every web session and API token of the user ends
    now."""
    end_web_sessions(user)
    now = utcnow()
    for token in db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalars():
        token.revoked_at = now


def set_password(user: User, password: str) -> None:
    """The one way a password is set: whoever held the old one is logged out everywhere."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
