"""The one place where workflow state changes.

`apply` binds the object's workflow for this one call, fires the trigger (role, state,
required arguments and guards are checked by `workflows.engine`), writes the state through
the model's protected writer, and appends the transition to the audit log in the same
database transaction. Nothing is committed here: the request commits once.

A trigger that may not fire, or a version that is no longer the object's, is raised as a
refusal (`app.errors`); each interface answers it in its own way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.audit import chain
from app.audit.models import NOTE_DIGEST, AuditEvent, ProcessingLogEntry, TransitionNote
from app.audit.operations import record_event
from app.db import db
from app.errors import Refused, StaleVersion
from app.lifecycle.subject import WorkflowSubject
from workflows import allowed_triggers, fire
from workflows.engine import (
    FiredTransition,
    MissingArgument,
    RoleNotAllowed,
    SubjectAnonymised,
    TriggerNotAllowed,
    UnknownTrigger,
    WorkflowError,
)

SYSTEM = "system"
# Arguments typed by people: kept as erasable notes beside the log, not in it.
FREE_TEXT_ARGUMENTS = ("reason", "place", "notice_version")
Guard = Callable[[Any, Mapping[str, Any]], "str | None"]


def _loggable(arguments: Mapping[str, Any]) -> dict[str, Any]:
    result = {}
    for key, value in arguments.items():
        result[key] = value.isoformat() if isinstance(value, datetime) else value
    return result


def check_version(subject: WorkflowSubject, version: int | None) -> None:
    if version is not None and version != subject.version:
        raise StaleVersion()


def apply(
    subject: WorkflowSubject,
    trigger: str,
    *,
    actor: Any | None,
    arguments: Mapping[str, Any] | None = None,
    guards: Mapping[str, Guard] | None = None,
    effects: Callable[[], None] | None = None,
    logged_arguments: tuple[str, ...] = ("reason", "outcome", "decline_reason", "method",
                                         "notice_version", "intro_at", "place"),
) -> FiredTransition:
    """Fire `trigger` on `subject` as `actor` (None: the system itself).

    `effects` sets what the transition records on the subject itself (timestamps, due
    dates, outcome); it runs before anything is flushed, so the state change and its
    effects are one UPDATE and one version step."""
    role = SYSTEM if actor is None else str(actor.role)
    arguments = dict(arguments or {})
    # Lock order: both logs' heads before any row the transition or its cascades change.
    # A cascade changes other objects after appending to the audit log; taking the heads
    # first means it never waits for a row whose holder waits for a head.
    chain.lock_heads_in_order(ProcessingLogEntry, AuditEvent)
    fired = fire(
        subject.workflow,
        subject,
        trigger,
        role=role,
        arguments=arguments,
        guards=guards or {},
        set_state=lambda obj, state: obj._write_state(state),
        # The system may move an anonymised resident's records (to end them): only a
        # person's transition needs to know.
        anonymised=actor is not None and subject.anonymised,
    )
    if effects is not None:
        effects()
    # One version step per transition, even when nothing else in the row changes (a
    # reschedule to the same date and place): the UPDATE is also what checks the version.
    flag_modified(subject, "_state")
    logged = _loggable({k: v for k, v in arguments.items() if k in logged_arguments})
    free_text = {k: str(v) for k, v in logged.items() if k in FREE_TEXT_ARGUMENTS and v}
    details = {k: v for k, v in logged.items() if k not in free_text}
    details.update({f"{k}{NOTE_DIGEST}": hashlib.sha256(v.encode()).hexdigest()
                    for k, v in free_text.items()})
    event = record_event(
        "transition",
        actor=actor,
        object_type=subject.object_type,
        object_id=subject.id,
        trigger=fired.trigger,
        from_state=fired.source,
        to_state=fired.dest,
        details=details,
    )
    if free_text:
        # Written once, beside the log entry: a plain INSERT, like the entry itself.
        db.session.execute(insert(TransitionNote.__table__), [
            {"event_seq": event.seq, "name": name, "object_type": subject.object_type,
             "object_id": str(subject.id), "text": text}
            for name, text in free_text.items()])
    return fired


def triggers_for(subject: WorkflowSubject, user: Any) -> list[str]:
    """What the pages and the API offer `user` on `subject`: nothing once its resident has
    been anonymised."""
    return allowed_triggers(subject.workflow, subject.state, str(user.role),
                            anonymised=subject.anonymised)


def anonymised_message() -> str:
    """Why nothing changes on an anonymised resident's records, in the user's language."""
    return _("This resident has been anonymised: nothing here can change any more.")


def localised_message(error: WorkflowError) -> str:
    """The refusal in the user's language; guard reasons are already localised."""
    allowed = ", ".join(error.allowed_triggers) or _("none")
    if isinstance(error, UnknownTrigger):
        return _("Unknown trigger. Possible now: %(allowed)s.", allowed=allowed)
    if isinstance(error, SubjectAnonymised):
        return anonymised_message()
    if isinstance(error, RoleNotAllowed):
        return _("Your role cannot fire '%(trigger)s'.", trigger=error.trigger)
    if isinstance(error, TriggerNotAllowed):
        return _("'%(trigger)s' is not possible in state '%(state)s'. Possible now: "
                 "%(allowed)s.", trigger=error.trigger, state=error.state, allowed=allowed)
    if isinstance(error, MissingArgument):
        return _("'%(argument)s' is missing or invalid for '%(trigger)s': %(detail)s",
                 argument=error.argument, trigger=error.trigger, detail=error.message)
    return error.message


def workflow_refusal(error: WorkflowError) -> Refused:
    """422 (403 for a role that may never fire the trigger), naming the problem and the
    triggers the caller may fire now."""
    status = 403 if isinstance(error, RoleNotAllowed) else 422
    message = localised_message(error)
    field = error.argument if isinstance(error, MissingArgument) else "trigger"
    return Refused(message=message, status=status,
                   errors={field: [message], "allowed_triggers": list(error.allowed_triggers)})


@contextmanager
def transition_errors() -> Iterator[None]:
    """Wrap a request's firing of triggers: a refused trigger or a stale version is raised
    as a refusal (`Refused`, `StaleVersion`), and the request's unit of work then keeps
    nothing of it but the processing-log entries of denied disclosures
    (`app.unit_of_work`); what the block changed is rolled back at once, so the page can
    show the state as it is. The changes are written at the end of the block, so a version
    that moved meanwhile is found here, as a stale version."""
    try:
        yield
        db.session.flush()
    except WorkflowError as error:
        db.session.rollback()
        raise workflow_refusal(error) from error
    except StaleVersion:
        db.session.rollback()
        raise
    except StaleDataError as error:
        db.session.rollback()  # a failed write leaves the session unusable until then
        raise StaleVersion() from error
