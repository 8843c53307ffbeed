"""Timers without cron: once a response has been sent, the request fires the timers that are
due — at most once a minute across every worker and machine, because a run first claims the
one `timer_runs` row (an UPDATE that only one transaction can win). `workflows tick` from cron
does the same work and may run beside it: every timer is idempotent and claimed row by row.

This is what lets `make run` escalate an overdue handover without anyone running a command.
No thread is started: the work runs in the worker that served the request, after its answer.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, request
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.db import db, utcnow
from app.timers.models import TimerRun
from app.timers.operations import TickReport, tick

INTERVAL = timedelta(minutes=1)
RUN_NAME = "tick"
logger = logging.getLogger(__name__)

# Only spares the database a look on every request; the row decides who runs.
_next_look = 0.0


def init_app(app: Flask) -> None:
    if app.config.get("TIMERS_WITH_REQUESTS"):
        app.after_request(_after)


def _after(response: Response) -> Response:
    global _next_look
    if request.endpoint in (None, "web.static") or time.monotonic() < _next_look:
        return response
    _next_look = time.monotonic() + INTERVAL.total_seconds()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    response.call_on_close(lambda: run_if_due(app))
    return response


def run_if_due(app: Flask, now: datetime | None = None) -> TickReport | None:
    """Fire due timers when no run took place in the last minute; None when another did."""
    with app.app_context():
        try:
            now = now or utcnow()
            if not claim(now):
                return None
            return tick(now)
        except SQLAlchemyError as error:
            db.session.rollback()
            logger.warning("timers not fired: %s (sqlstate %s)", type(error).__name__,
                           getattr(getattr(error, "orig", None), "sqlstate", None))
            return None
        finally:
            db.session.remove()


def claim(now: datetime) -> bool:
    """Take this minute's run, committed at once so that other workers see it."""
    claimed = db.session.execute(
        update(TimerRun).where(TimerRun.name == RUN_NAME,
                               TimerRun.last_run_at <= now - INTERVAL)
        .values(last_run_at=now)).rowcount
    if not claimed and db.session.get(TimerRun, RUN_NAME) is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(TimerRun).values(name=RUN_NAME, last_run_at=now))
            claimed = 1
        except IntegrityError:
            claimed = 0  # another worker inserted it first: theirs is this minute's run
    db.session.commit()
    return bool(claimed)


__all__ = ["claim", "init_app", "run_if_due"]
