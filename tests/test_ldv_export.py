"""The processing log as Logboek Dataverwerkingen records: OTLP JSON, one span per entry, with
the fields the standard names, the processing activity as a URI into the published register
and the data subject as a pseudonym that is not the database id."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import ldv
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.consent.gateway import disclose
from app.db import db, utcnow
from policies import Action
from tests import factories

URL = "/api/v1/audit/processing-log/ldv"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"

# The Logboek Dataverwerkingen interface (Logius), field by field, and where OTLP JSON keeps it.
LDV_SPAN_FIELDS = {  # LDV field -> OTLP JSON span key; all required but parent_span_id
    "trace_id": "traceId",
    "span_id": "spanId",
    "status": "status",
    "name": "name",
    "start_time": "startTimeUnixNano",
    "end_time": "endTimeUnixNano",
    "attributes": "attributes",
}
LDV_CORE_ATTRIBUTES = ("dpl.core.processing_activity_id", "dpl.core.data_subject_id",
                       "dpl.core.data_subject_id_type")
LDV_STATUSES = {0: "Unset", 1: "Ok", 2: "Error"}


@pytest.fixture
def logged(world, as_user):
    """A handover offered to the buurtteam and read by its professional under a caller's
    trace: processing-log entries with and without a trace id."""
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         professional=world.professional)
    db.session.commit()
    as_user(world.professional).get(f"/api/v1/handovers/{handover.id}",
                                    headers={"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"})
    # A reader of another organisation: a denied disclosure, logged too.
    decision = disclose(actor=world.other_professional, action=Action.READ_HANDOVER,
                        resident_id=world.resident.id,
                        recipient_organization_id=handover.organization_id,
                        purpose=handover.purpose, categories=handover.data_categories,
                        handover=handover)
    assert not decision.allowed
    db.session.commit()
    return handover


def spans_of(body):
    [resource_spans] = body["resourceSpans"]
    [scope_spans] = resource_spans["scopeSpans"]
    return resource_spans, scope_spans["spans"]


def attributes(span):
    return {item["key"]: next(iter(item["value"].values())) for item in span["attributes"]}


def test_the_export_has_one_span_per_entry_with_the_ldv_fields(world, as_user, logged, http_app):
    base = (http_app.config.get("PUBLIC_URL") or "http://localhost").rstrip("/")
    response = as_user(world.privacy_officer).get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.is_streamed
    resource, spans = spans_of(json.loads(response.get_data(as_text=True)))
    entries = db.session.execute(
        select(ProcessingLogEntry).order_by(ProcessingLogEntry.seq)).scalars().all()
    assert len(spans) == len(entries) >= 3
    assert {a["key"]: a["value"]["stringValue"] for a in resource["resource"]["attributes"]}[
        "service.name"] == "buurtpad"
    register = {a["id"] for a in as_user(world.coach).get("/api/v1/policies").json["register"]}
    for span, entry in zip(spans, entries, strict=True):
        assert set(LDV_SPAN_FIELDS.values()) <= set(span), span
        assert re.fullmatch(r"[0-9a-f]{32}", span["traceId"])
        assert span["spanId"] == entry.hash[:16]
        assert span["name"] == entry.action
        assert int(span["startTimeUnixNano"]) == int(span["endTimeUnixNano"]) == int(
            entry.occurred_at.timestamp() * 1_000_000) * 1000
        assert LDV_STATUSES[span["status"]["code"]] == (
            "Ok" if entry.decision == "allowed" else "Unset")
        found = attributes(span)
        assert set(LDV_CORE_ATTRIBUTES) <= set(found)
        activity = found["dpl.core.processing_activity_id"]
        assert activity == f"{base}/api/v1/policies#register/{entry.processing_activity}"
        assert activity.rsplit("/", 1)[1] in register
        assert found["dpl.core.data_subject_id_type"] == (
            f"{base}/api/v1/policies#data_subject_id_type/resident-hmac-sha256")
        assert found["buurtpad.decision"] == entry.decision
        assert found["buurtpad.log_seq"] == str(entry.seq)
        assert [v["stringValue"] for v in found["buurtpad.categories"]["values"]] == (
            entry.categories)
    assert {span["status"]["code"] for span in spans} == {0, 1}


def test_the_data_subject_is_a_pseudonym_not_the_database_id(world, as_user, logged, http_app):
    body = as_user(world.privacy_officer).get(URL).get_data(as_text=True)
    resident_id = str(world.resident.id)
    assert resident_id not in body
    assert resident_id.replace("-", "") not in body
    key = ldv.subject_key(http_app.config)
    expected = hmac.new(key, resident_id.encode(), hashlib.sha256).hexdigest()
    subjects = {attributes(span)["dpl.core.data_subject_id"]
                for span in spans_of(json.loads(body))[1]}
    assert subjects == {expected}
    # Another key, another pseudonym: a recipient of the export cannot recompute it.
    assert ldv.subject_key({"SECRET_KEY": "another"}) != key
    assert ldv.subject_key({"LDV_SUBJECT_KEY": "k", "SECRET_KEY": "x"}) == b"k"


def test_the_callers_trace_id_is_the_spans_trace_id(world, as_user, logged):
    _resource, spans = spans_of(as_user(world.privacy_officer).get(URL).json)
    traced = [span for span in spans if span["traceId"] == TRACE_ID]
    assert [span["name"] for span in traced] == ["read_handover"]
    assert attributes(traced[0])["buurtpad.decision"] == "allowed"


def test_a_period_exports_only_its_entries(world, as_user, logged):
    officer = as_user(world.privacy_officer)
    later = (utcnow() + timedelta(hours=1)).isoformat()
    assert spans_of(officer.get(URL, query_string={"from": later}).json)[1] == []
    everything = spans_of(officer.get(URL, query_string={"to": later}).json)[1]
    middle = ProcessingLogEntry.occurred_at.label("at")
    entries = db.session.execute(select(ProcessingLogEntry.seq, middle).order_by(
        ProcessingLogEntry.seq)).all()
    since = entries[-1].at.isoformat()
    recent = spans_of(officer.get(URL, query_string={"from": since}).json)[1]
    assert 1 <= len(recent) < len(everything)
    assert all(int(s["startTimeUnixNano"]) >= int(entries[-1].at.timestamp()) * 10**9
               for s in recent)


def test_the_export_streams_in_batches(world, ctx, logged):
    entries = db.session.execute(select(func.count()).select_from(ProcessingLogEntry)).scalar()
    chunks = list(ldv.export(None, None, base_url="https://buurtpad.example/", key=b"k",
                             bind=db.session.connection(), batch=1))
    body = json.loads("".join(chunks))
    assert len(spans_of(body)[1]) == entries
    assert attributes(spans_of(body)[1][0])["dpl.core.processing_activity_id"].startswith(
        "https://buurtpad.example/api/v1/policies#register/")


def test_the_export_is_recorded_in_the_audit_log(world, as_user, logged):
    as_user(world.privacy_officer).get(URL, query_string={"from": "2026-01-01T00:00:00Z"})
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "log_exported").order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.actor_id == world.privacy_officer.id
    assert event.details["format"] == "ldv"
    assert event.details["filters"]["from_"].startswith("2026-01-01")


@pytest.mark.parametrize("role", ["flatcoach", "professional", "coordinator"])
def test_only_the_privacy_officer_exports(world, as_user, role):
    assert as_user(world.user(role)).get(URL).status_code == 403


def test_the_cli_writes_the_same_records(world, app, logged, tmp_path):
    db.session.commit()
    target = tmp_path / "ldv.json"
    result = app.test_cli_runner().invoke(args=["audit", "ldv-export", "--from", "2000-01-01",
                                                "--output", str(target)])
    assert result.exit_code == 0, result.output
    spans = spans_of(json.loads(target.read_text()))[1]
    assert len(spans) == db.session.execute(
        select(func.count()).select_from(ProcessingLogEntry)).scalar()
    assert all(set(LDV_SPAN_FIELDS.values()) <= set(span) for span in spans)
