"""W3C Trace Context: the API takes a caller's `traceparent`, records its trace id on the
processing-log entries of that request and names it in the answer; the trace id is hashed
into the chain when set, and entries from before it existed verify as they did."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.audit import chain
from app.audit.models import ProcessingLogEntry
from app.db import db
from app.tracing import parse_traceparent
from tests import factories

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.mark.parametrize(("header", "parsed"), [
    (TRACEPARENT, (TRACE_ID, "01")),
    (f"  {TRACEPARENT} ", (TRACE_ID, "01")),
    (f"01-{TRACE_ID}-00f067aa0ba902b7-00-future-field", (TRACE_ID, "00")),
    (None, None),
    ("", None),
    (f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra", None),  # version 00 has four fields
    (f"ff-{TRACE_ID}-00f067aa0ba902b7-01", None),  # version ff is invalid
    (f"00-{'0' * 32}-00f067aa0ba902b7-01", None),  # all-zero trace id
    (f"00-{TRACE_ID}-{'0' * 16}-01", None),  # all-zero parent id
    (f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01", None),  # lowercase hex only
    (f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01", None),
    (f"01-{TRACE_ID}-00f067aa0ba902b7-01x", None),
    ("not a traceparent", None),
])
def test_traceparent_parsing_follows_the_standard(header, parsed):
    assert parse_traceparent(header) == parsed


def _offered(world):
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         professional=world.professional)
    db.session.commit()
    return handover


def _entries_of(handover):
    return db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_id == str(handover.id),
                                         ProcessingLogEntry.action == "read_handover")
    ).scalars().all()


def test_the_callers_trace_id_is_recorded_and_answered(world, as_user):
    handover = _offered(world)
    response = as_user(world.professional).get(f"/api/v1/handovers/{handover.id}",
                                               headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    assert response.headers["X-Trace-Id"] == TRACE_ID
    version, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert re.fullmatch(r"[0-9a-f]{16}", span_id) and span_id != "00f067aa0ba902b7"
    [entry] = _entries_of(handover)
    assert entry.trace_id == TRACE_ID


def test_without_a_valid_traceparent_a_new_trace_starts(world, as_user):
    handover = _offered(world)
    client = as_user(world.professional)
    answers = [client.get(f"/api/v1/handovers/{handover.id}", headers=headers)
               for headers in ({}, {"traceparent": "00-zz-00f067aa0ba902b7-01"})]
    trace_ids = [answer.headers["X-Trace-Id"] for answer in answers]
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in trace_ids)
    assert len(set(trace_ids)) == 2
    assert sorted(e.trace_id for e in _entries_of(handover)) == sorted(trace_ids)


def test_every_answer_names_its_trace(api):
    response = api.get("/api/v1/me", headers={"traceparent": TRACEPARENT})
    assert response.status_code == 401
    assert response.headers["X-Trace-Id"] == TRACE_ID


def test_old_entries_without_and_new_entries_with_a_trace_id_verify(world, as_user,
                                                                    table_owner):
    handover = _offered(world)  # entries written outside a request: no trace id
    assert all(e.trace_id is None for e in db.session.execute(
        select(ProcessingLogEntry)).scalars())
    as_user(world.professional).get(f"/api/v1/handovers/{handover.id}",
                                    headers={"traceparent": TRACEPARENT})
    result = chain.verify(ProcessingLogEntry)
    assert result.valid and result.entries >= 2
    # The trace id is part of what is hashed: changing it breaks the chain there.
    [entry] = _entries_of(handover)
    with table_owner():
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text(
                "ALTER TABLE processing_log DISABLE TRIGGER processing_log_append_only"))
        db.session.execute(text("UPDATE processing_log SET trace_id = :t WHERE seq = :s"),
                           {"t": "1" * 32, "s": entry.seq})
    db.session.commit()
    result = chain.verify(ProcessingLogEntry)
    assert (result.valid, result.first_invalid, result.reason) == (
        False, entry.seq, "entry altered")


def test_an_entry_hashes_as_before_when_it_has_no_trace_id():
    """The payload of an entry without a trace id is exactly the one of before the column."""
    fields = {name: None for name in ProcessingLogEntry.HASHED_FIELDS}
    fields.update(seq=1, action="read_case")
    without = chain.payload_of_fields(ProcessingLogEntry, {**fields, "trace_id": None})
    assert without == chain.SEPARATOR.join(chain.encode(fields[name])
                                           for name in ProcessingLogEntry.HASHED_FIELDS)
    with_trace = chain.payload_of_fields(ProcessingLogEntry, {**fields, "trace_id": TRACE_ID})
    assert with_trace == f"{without}{chain.SEPARATOR}trace_id={TRACE_ID}"
