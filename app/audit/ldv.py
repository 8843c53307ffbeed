"""The processing log as Logboek Dataverwerkingen (LDV) records: OTLP JSON, one span per entry.

The Logius standard *Logboek Dataverwerkingen* logs each processing action as an OpenTelemetry
span: `trace_id`, `span_id`, `name`, `start_time`/`end_time`, `status` and `attributes`, of
which the `dpl.core` namespace is required. Buurtpad's mapping (README, Interoperability):

| LDV field | from the processing-log entry |
|---|---|
| `trace_id` | the request's W3C trace id (`traceparent`); entries older than that column, or written outside a request, get one derived from the request id (or the entry's hash) |
| `span_id` | the first 16 hex digits of the entry's own hash: unique, stable between exports |
| `name` | the action (`read_handover`, `offer_handover`, `export`, …) |
| `start_time`, `end_time` | the entry's time (a decision is one instant) |
| `status` | `Ok` when the disclosure was allowed; `Unset` when it was denied (handled without error, nothing disclosed) |
| `resource.attributes` | `service.name` buurtpad, `service.version` |
| `dpl.core.processing_activity_id` | a URI into the published processing register: `{PUBLIC_URL}/api/v1/policies#register/{activity}` |
| `dpl.core.data_subject_id` | HMAC-SHA256 of the resident id with `LDV_SUBJECT_KEY`: a pseudonym, not the database id |
| `dpl.core.data_subject_id_type` | `{PUBLIC_URL}/api/v1/policies#data_subject_id_type/resident-hmac-sha256` |
| `buurtpad.*` | Buurtpad's own: decision, legal basis, categories, consent used, the entry's sequence number and hash |

OTLP JSON (the OpenTelemetry protocol's JSON encoding): ids as hex, 64-bit integers as decimal
strings, enums as numbers. The export streams: entries are read in keyset batches by sequence
number and written as they are read, so memory stays flat however long the period.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from typing import Any

from sqlalchemy import Connection, Engine, Text, cast, select

from app.audit.models import ProcessingLogEntry

ACTIVITY_ATTRIBUTE = "dpl.core.processing_activity_id"
SUBJECT_ATTRIBUTE = "dpl.core.data_subject_id"
SUBJECT_TYPE_ATTRIBUTE = "dpl.core.data_subject_id_type"
REQUIRED_ATTRIBUTES = (ACTIVITY_ATTRIBUTE, SUBJECT_ATTRIBUTE, SUBJECT_TYPE_ATTRIBUTE)
SUBJECT_TYPE = "resident-hmac-sha256"
SCOPE_NAME = "buurtpad.processing_log"

# OTLP enums: SpanKind INTERNAL; StatusCode UNSET, OK.
SPAN_KIND_INTERNAL = 1
STATUS_UNSET = 0
STATUS_OK = 1

BATCH = 2000
CHUNK = 64 * 1024

_COLUMNS = ("seq", "occurred_at", "action", "processing_activity", "legal_basis", "decision",
            "data_subject_id", "categories", "consent_id", "request_id", "trace_id", "hash")


def register_uri(base_url: str, activity: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/policies#register/{activity}"


def subject_type_uri(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/policies#data_subject_id_type/{SUBJECT_TYPE}"


def subject_key(config: Any) -> bytes:
    """The pseudonyms' key: LDV_SUBJECT_KEY, else one derived from SECRET_KEY (never the
    secret key itself)."""
    configured = config.get("LDV_SUBJECT_KEY")
    if configured:
        return str(configured).encode()
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"buurtpad ldv data subject",
                    hashlib.sha256).digest()


def pseudonymiser(key: bytes) -> Any:
    """resident id -> its pseudonym under `key` (a bounded cache: memory stays flat)."""

    @lru_cache(maxsize=4096)
    def pseudonym(resident_id: str) -> str:
        return hmac.digest(key, resident_id.encode(), "sha256").hex()

    return pseudonym


def _derived_trace_id(request_id: str | None, entry_hash: str) -> str:
    source = f"buurtpad request {request_id}" if request_id else f"buurtpad entry {entry_hash}"
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def _nanos(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000_000
               + delta.microseconds * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _text(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _attribute(key: str, value: str) -> str:
    """A string attribute as OTLP JSON text; only for values of the server's own making (hex
    digits, digits, UUIDs), which need no escaping."""
    return f'{{"key":"{key}","value":{{"stringValue":"{value}"}}}}'


class _SpanWriter:
    """Spans as OTLP JSON text. What repeats from entry to entry (the activity's URI, the
    decision, the categories) is encoded once per combination; per entry only ids, times and
    the pseudonym are filled in, all hex digits, digits or UUIDs made by the server."""

    def __init__(self, base_url: str, key: bytes) -> None:
        self.base_url = base_url
        self.pseudonym = pseudonymiser(key)
        self.subject_type = _dumps(_text(SUBJECT_TYPE_ATTRIBUTE, subject_type_uri(base_url)))
        self.fixed = lru_cache(maxsize=1024)(self._fixed)

    def _fixed(self, action: str, activity: str, decision: str, legal_basis: str | None,
               categories: str) -> tuple[str, str, int]:
        attributes = [
            _text(ACTIVITY_ATTRIBUTE, register_uri(self.base_url, activity)),
            _text("buurtpad.decision", decision),
            {"key": "buurtpad.categories", "value": {"arrayValue": {"values": [
                {"stringValue": str(c)} for c in json.loads(categories or "[]")]}}},
        ]
        if legal_basis is not None:
            attributes.append(_text("buurtpad.legal_basis", legal_basis))
        encoded = ",".join(_dumps(attribute) for attribute in attributes)
        status = STATUS_OK if decision == "allowed" else STATUS_UNSET
        return _dumps(action), encoded, status

    def __call__(self, row: Any) -> str:
        name, fixed, status = self.fixed(row.action, row.processing_activity, row.decision,
                                         row.legal_basis, row.categories)
        attributes = [fixed]
        if row.data_subject_id is not None:
            attributes += [_attribute(SUBJECT_ATTRIBUTE, self.pseudonym(row.data_subject_id)),
                           self.subject_type]
        attributes += [f'{{"key":"buurtpad.log_seq","value":{{"intValue":"{row.seq}"}}}}',
                       _attribute("buurtpad.log_hash", row.hash)]
        if row.consent_id is not None:
            attributes.append(_attribute("buurtpad.consent_id", row.consent_id))
        moment = _nanos(row.occurred_at)
        trace_id = row.trace_id or _derived_trace_id(row.request_id, row.hash)
        return (f'{{"traceId":"{trace_id}","spanId":"{row.hash[:16]}","name":{name},'
                f'"kind":{SPAN_KIND_INTERNAL},"startTimeUnixNano":"{moment}",'
                f'"endTimeUnixNano":"{moment}","attributes":[{",".join(attributes)}],'
                f'"status":{{"code":{status}}}}}')


def _version() -> str:
    try:
        return metadata.version("buurtpad")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _rows(connection: Connection, period_from: datetime | None, period_to: datetime | None,
          batch: int) -> Iterator[Any]:
    """The period's entries in log order, read in keyset batches on the sequence number."""
    table = ProcessingLogEntry.__table__
    # The categories as the database's JSON text: the writer decodes each distinct one once.
    query = select(*(cast(table.c[name], Text).label(name) if name == "categories"
                     else table.c[name] for name in _COLUMNS)).order_by(table.c.seq)
    if period_from is not None:
        query = query.where(table.c.occurred_at >= period_from)
    if period_to is not None:
        query = query.where(table.c.occurred_at < period_to)
    last = 0
    while True:
        rows = connection.execute(query.where(table.c.seq > last).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq
        del rows


def export(period_from: datetime | None, period_to: datetime | None, *, base_url: str,
           key: bytes, bind: Engine | Connection, batch: int = BATCH) -> Iterator[str]:
    """The period's processing log as one OTLP JSON document (ExportTraceServiceRequest),
    in pieces of about 64 KiB. Read through `bind`: an engine (a connection of its own is
    taken while the pieces are produced, so an answer can stream after its request has
    ended, needing no request context), or a connection to read on."""
    with ExitStack() as stack:
        connection = bind if isinstance(bind, Connection) else stack.enter_context(
            bind.connect())
        yield from _document(connection, period_from, period_to, base_url, key, batch)


def _document(connection: Connection, period_from: datetime | None,
              period_to: datetime | None, base_url: str, key: bytes,
              batch: int) -> Iterator[str]:
    resource = {"attributes": [_text("service.name", "buurtpad"),
                               _text("service.version", _version())]}
    scope = {"name": SCOPE_NAME, "version": "1"}
    # {"resourceSpans":[{"resource":…,"scopeSpans":[{"scope":…,"spans":[ … ]}]}]}
    yield ('{"resourceSpans":[{"resource":' + _dumps(resource) + ',"scopeSpans":[{"scope":'
           + _dumps(scope) + ',"spans":[')
    write = _SpanWriter(base_url, key)
    parts: list[str] = []
    size = 0
    separator = ""
    for row in _rows(connection, period_from, period_to, batch):
        text = separator + write(row)
        separator = ","
        parts.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(parts)
            parts.clear()
            size = 0
    parts.append("]}]}]}\n")
    yield "".join(parts)
