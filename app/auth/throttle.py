"""Login throttling per account and per address, stored in the database.

Counters live in PostgreSQL (or SQLite) so every worker and machine sees the same numbers.
An account gets a few free failures; after that each attempt must wait longer (doubling),
and after a burst it is blocked for a while. An address that fails many times is blocked
too, which caps how many accounts one attacker can lock: nobody can lock everyone out from
one place, and a correct password never resets another address's counter.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import LoginThrottle
from app.db import db

WINDOW = timedelta(minutes=15)
BLOCK_PERIOD = timedelta(minutes=15)
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_BLOCK_FAILURES = 10
ADDRESS_BLOCK_FAILURES = 30


def account_key(email: str) -> str:
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def address_key(address: str) -> str:
    return "address:" + hashlib.sha256(address.encode()).hexdigest()[:40]


def _locked_row(key: str, now: datetime) -> LoginThrottle:
    query = select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    row = db.session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            with db.session.begin_nested():
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                db.session.add(row)
        except IntegrityError:
            row = db.session.execute(query).scalar_one()
    blocked = row.next_attempt_at is not None and row.next_attempt_at > now
    if not blocked and now - row.window_started_at > WINDOW:
        row.failures = 0
        row.window_started_at = now
        row.next_attempt_at = None
    return row


def seconds_to_wait(keys: list[str], now: datetime) -> int:
    """0 when an attempt may be made now, else the seconds until it may."""
    wait = 0.0
    for key in keys:
        row = _locked_row(key, now)
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            wait = max(wait, (row.next_attempt_at - now).total_seconds())
    return int(wait + 0.999)


def record_failure(account: str, address: str, now: datetime) -> None:
    row = _locked_row(account, now)
    row.failures += 1
    if row.failures >= ACCOUNT_BLOCK_FAILURES:
        row.next_attempt_at = now + BLOCK_PERIOD
    elif row.failures >= ACCOUNT_FREE_FAILURES:
        row.next_attempt_at = now + timedelta(seconds=2 ** (row.failures - ACCOUNT_FREE_FAILURES))
    row = _locked_row(address, now)
    row.failures += 1
    if row.failures >= ADDRESS_BLOCK_FAILURES:
        row.next_attempt_at = now + BLOCK_PERIOD


def record_success(account: str, now: datetime) -> None:
    row = _locked_row(account, now)
    row.failures = 0
    row.window_started_at = now
    row.next_attempt_at = None
