"""Each request is one unit of work: the view runs, its answer is made, and then — in this
one place — what the request changed is committed, or all of it is rolled back.

- **Committed** when the view answers, whatever the status: a page that shows a form
  again with its errors (422) still logged what it showed of a resident.
- **Rolled back** when an error leaves the view (a domain refusal the error handlers
  answer, a 404, anything else).
- A page that answers a refusal itself (the form again, or a message and a redirect)
  discards what the refused command changed at once (`discard_changes`, which
  `app.web.pages.show_refusal` calls), then shows what is; what it shows is logged and
  committed with the answer.
- Either way the denials of disclosure the request logged stay logged: after a rollback
  they are appended again and committed on their own
  (`app.audit.processing.keep_denials_after_rollback`).
- A version that changed under the request, found only when the changes are written at
  the commit, is a stale version (`StaleVersion`, 409), as it is inside a command.

A request that lost a deadlock or a serialisation conflict is run again, not answered 503.
PostgreSQL ends one of two transactions that wait for each other (SQLSTATE 40P01) or that
could not be serialised (40001); nothing of the loser was committed and nothing has been sent
to the client yet, so the view runs again from the start, after a short random pause, up to
`ATTEMPTS` times in all. The commit is inside the attempt: a conflict found at the commit is
retried too. Any other database error, and the last lost attempt, go on to the error
handlers (503 with Retry-After).

Commands (`operations.py`) never commit; views do not either. What must be committed even
when the request fails (a failed sign-in counted against the account) is committed where
that is decided, on purpose and said so there; the command line and the clock, which run
outside a request, commit their own work.
"""

from __future__ import annotations

import random
import time
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.audit.processing import keep_denials_after_rollback
from app.errors import StaleVersion
from app.extensions import db

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
PAUSE_SECONDS = 0.02  # doubled at each attempt, with jitter
# What the request set up before its view ran: kept for the next attempt.
_KEPT = frozenset({"_login_user", "api_token", "request_id", "trace_id", "trace_flags",
                   "span_id"})


def retryable(error: BaseException) -> bool:
    return (isinstance(error, OperationalError)
            and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES)


def commit() -> None:
    """Commit the request's changes; a row whose version moved meanwhile is a stale version."""
    if not db.session().in_transaction():
        return  # nothing read or written since the last rollback
    try:
        db.session.commit()
    except StaleDataError as error:
        raise StaleVersion() from error  # rolled back on the way out (`discard_changes`)


def discard_changes() -> None:
    """What the request changed so far is not kept: it is rolled back now, its denials of
    disclosure appended again and committed on their own. A page that answers a refusal
    itself calls this (through `app.web.pages.show_refusal`); what the request does next —
    showing the page, logging what it shows — is committed with its answer."""
    db.session.rollback()
    if g.get("denied_disclosures"):
        keep_denials_after_rollback()
        db.session.commit()


class UnitOfWorkFlask(Flask):
    def dispatch_request(self) -> Any:
        before = set(vars(g))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._one_unit_of_work()
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

    def _one_unit_of_work(self) -> Response:
        try:
            response = self.make_response(super().dispatch_request())
            commit()
        except OperationalError as error:
            if not retryable(error):
                roll_back_quietly()
            raise
        except BaseException:
            roll_back_quietly()
            raise
        return response


def roll_back_quietly() -> None:
    """Roll back on the way to the error handlers; a database that fails meanwhile stays
    their problem (503 for one that is gone), never a second error hiding the first."""
    try:
        discard_changes()
    except SQLAlchemyError:
        db.session.rollback()
