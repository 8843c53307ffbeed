"""A request that lost a deadlock or a serialisation conflict is run again, not answered 503.

PostgreSQL ends one of two transactions that wait for each other (SQLSTATE 40P01) or that
could not be serialised (40001); nothing of the loser was committed and nothing has been sent
to the client yet, so the view runs again from the start, after a short random pause, up to
`ATTEMPTS` times in all. Any other database error, and the last lost attempt, go on to the
error handlers (503 with Retry-After)."""

from __future__ import annotations

import random
import time
from typing import Any

from flask import Flask, g, request
from sqlalchemy.exc import OperationalError

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
PAUSE_SECONDS = 0.02  # doubled at each attempt, with jitter
# What the request set up before its view ran: kept for the next attempt.
_KEPT = frozenset({"_login_user", "api_token", "request_id", "trace_id", "trace_flags",
                   "span_id"})


def retryable(error: BaseException) -> bool:
    return (isinstance(error, OperationalError)
            and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES)


class RetryingFlask(Flask):
    def dispatch_request(self) -> Any:
        from app.extensions import db

        before = set(vars(g))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return super().dispatch_request()
            except OperationalError as error:
                if attempt == ATTEMPTS or not retryable(error):
                    raise
                db.session.rollback()
                for name in set(vars(g)) - before - _KEPT:
                    delattr(g, name)  # what the lost attempt gathered, e.g. its denials
                self.logger.info("retrying after sqlstate %s (attempt %d) on %s %s",
                                 error.orig.sqlstate, attempt, request.method,  # type: ignore[union-attr]
                                 request.url_rule.rule if request.url_rule else "?")
                time.sleep(random.uniform(0.5, 1.0) * PAUSE_SECONDS * 2 ** attempt)  # noqa: S311
        raise AssertionError("unreachable")
