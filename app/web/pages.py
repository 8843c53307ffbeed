"""What the server-rendered pages share: pagination, showing a refusal on a form, firing a
transition from a form (through the API's own version check and refusals), what changed
since a page was loaded, CSV streaming."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, flash, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.audit.models import AuditEvent
from app.db import db
from app.errors import Refused, StaleVersion
from app.lifecycle.firing import check_version, transition_errors
from app.lifecycle.subject import WorkflowSubject
from app.unit_of_work import discard_changes
from app.web.formkit import Form, TransitionForm
from app.web.labels import choices

PER_PAGE = 25
DB_ID = "int(max=2147483647)"
"""URL converter for integer ids: a bigger number cannot be an id, and must not reach SQL."""


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number() -> int:
    number = request.args.get("page", default=1, type=int) or 1
    return min(max(number, 1), 100_000)


def paginate(query: Select[Any], number: int | None = None, per_page: int = PER_PAGE,
             scalars: bool = True) -> Page:
    number = number or page_number()
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(query.offset((number - 1) * per_page).limit(per_page))
    items = list(result.scalars()) if scalars else list(result.all())
    return Page(items, number, per_page, total)


def page_args(page_to: int) -> dict[str, Any]:
    """The current query string with another page number, for the pager's links."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page"}
    args["page"] = page_to
    return args


def latest_seq() -> int:
    """The newest audit event; a form remembers it to show later what changed since."""
    return db.session.execute(select(func.max(AuditEvent.seq))).scalar_one() or 0


def changes_since(subject: WorkflowSubject, seq: int | None) -> list[AuditEvent]:
    """The subject's state changes after audit event `seq` (without it: the latest one)."""
    query = select(AuditEvent).where(AuditEvent.object_type == subject.object_type,
                                     AuditEvent.object_id == str(subject.id),
                                     AuditEvent.event_type == "transition")
    if seq:
        query = query.where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
    else:
        query = query.order_by(AuditEvent.seq.desc()).limit(1)
    return list(db.session.execute(query).scalars())


ARGUMENT_LABELS = {"outcome": "close_outcome", "method": "method",
                   "decline_reason": "decline_reason"}


def transition_form(subject: WorkflowSubject, trigger: str, seen: int,
                    **data: Any) -> TransitionForm:
    """A fresh form for one trigger (never bound to the request: a page shows several)."""
    form = TransitionForm(formdata=None, trigger=trigger, version=subject.version, seen=seen,
                          **data)
    return with_argument_choices(form, subject)


def with_argument_choices(form: TransitionForm, subject: WorkflowSubject) -> TransitionForm:
    """Closed vocabularies of the trigger's arguments (a case's close outcome, a consent's
    method) come from the workflow definition itself."""
    transition = subject.workflow.get(form.trigger.data or "")
    allowed = transition.allowed_values if transition is not None else {}
    for name, kind in ARGUMENT_LABELS.items():
        values = allowed.get(name, ())
        options = choices(kind, values) if values else []
        if name == "outcome":
            options = [("", _("Choose…")), *options]
        getattr(form, name).choices = options
    return form


def set_hidden(field: Any, value: int) -> None:
    """Replace a submitted value: a field re-renders what was submitted, not `.data`."""
    field.data = value
    field.raw_data = [str(value)]


@dataclass
class TransitionOutcome:
    """`done`, `invalid` (field errors on the form), `refused` (message) or `stale`."""

    status: str
    message: str | None = None
    changes: list[AuditEvent] | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def http_status(self) -> int:
        return {"done": 200, "stale": 409}.get(self.status, 422)


def confirmed() -> bool:
    """Whether a button-only form (its CSRF token is the form) came from our page, in time;
    if not, the user is told to try again."""
    if Form().validate_on_submit():
        return True
    flash(_("The form has expired; try again."))
    return False


def show_refusal(refused: Refused, form: Any | None = None, field: str | None = None) -> None:
    """A refusal on the page: under the form's input it names (`field` where the page calls
    that input otherwise), else above the form; without a form, as a flashed message.
    What the refused command changed is discarded at once (`app.unit_of_work.discard_changes`)."""
    discard_changes()
    if form is None:
        flash(refused.message)
        return
    target = getattr(form, field or refused.field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, refused.message]
    else:
        form.form_errors.append(refused.message)


def run_transition(subject: WorkflowSubject, form: TransitionForm,
                   fire: Callable[[dict[str, Any]], None],
                   prepare: Callable[[], str | None] | None = None) -> TransitionOutcome:
    """Validate the form, then fire through the same version check and error handling as
    the API (`app.lifecycle.firing.transition_errors`); the request commits once
    (`app.unit_of_work`).

    On a stale version the form keeps what the user typed but carries the current version,
    so sending it again is a deliberate retry against the state now shown."""
    if not form.validate():
        return TransitionOutcome("invalid")
    transition = subject.workflow.get(form.trigger.data)
    if transition is None:
        form.trigger.errors = [_("This action is not possible.")]
        return TransitionOutcome("refused", _("This action is not possible."))
    arguments = form.arguments_for(transition)
    if arguments is None:
        return TransitionOutcome("invalid")
    if prepare is not None and (problem := prepare()):
        return TransitionOutcome("refused", problem)
    try:
        with transition_errors():
            check_version(subject, form.version.data)
            fire(arguments)
    except StaleVersion as stale:
        discard_changes()
        db.session.expire_all()
        changes = changes_since(subject, form.seen.data)
        set_hidden(form.version, subject.version)
        set_hidden(form.seen, latest_seq())
        return TransitionOutcome("stale", stale.message, changes)
    except Refused as refused:
        discard_changes()
        for name, messages in refused.errors.items():
            if name in TransitionForm.ARGUMENTS and name in transition.arguments:
                getattr(form, name).errors = [str(m) for m in messages]
        return TransitionOutcome("refused", refused.message)
    return TransitionOutcome("done")


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Response:
    """Stream rows as CSV, written as they are read, so a long log never sits in memory."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(list(header))
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            if buffer.tell() > 16_384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    text = str(value)
    # Spreadsheets run cells that start like a formula: never let a log cell do that.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def stream_scalars(query: Select[Any], batch: int = 500) -> Iterator[Any]:
    """Rows of a long query, fetched a batch at a time."""
    offset = 0
    while True:
        rows = list(db.session.execute(query.offset(offset).limit(batch)).scalars())
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


def stream_log(query: Select[Any], seq_column: Any, batch: int = 500) -> Iterator[Any]:
    """A log newest first, in batches keyed on its sequence number, so entries appended
    while the export runs neither repeat nor shift what follows."""
    last: int | None = None
    while True:
        page = query if last is None else query.where(seq_column < last)
        rows = list(db.session.execute(page.limit(batch)).scalars())
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def without_empty(args: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in args.items() if value not in (None, "", [])}
