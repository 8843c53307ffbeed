"""The privacy officer reads the logs at a glance: the same actor doing the same to the same
object within ten minutes is one line with a count, each entry behind it — on the page only,
every entry stays in the log and in the CSV. Filters offer Dutch words, never codes; verifying
the logs is in the menu."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.audit.grouping import GROUP_WINDOW, group_rows
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db
from app.handovers.reading import read_handover
from tests import factories
from tests.web import login, text

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Row:
    key: str
    occurred_at: datetime


def _keys(groups):
    return [(g.first.key, g.count) for g in groups]


def test_consecutive_rows_of_one_key_within_the_window_are_one_group():
    rows = [Row("a", T0), Row("a", T0 - timedelta(minutes=4)), Row("a", T0 - GROUP_WINDOW),
            Row("a", T0 - GROUP_WINDOW - timedelta(seconds=1)), Row("b", T0 - timedelta(hours=1)),
            Row("a", T0 - timedelta(hours=1, minutes=1))]
    groups = group_rows(rows, lambda row: row.key)
    assert _keys(groups) == [("a", 3), ("a", 1), ("b", 1), ("a", 1)]
    assert groups[0].newest == T0 and groups[0].oldest == T0 - GROUP_WINDOW
    assert groups[0].minutes == 10
    assert sum(g.count for g in groups) == len(rows)  # nothing left out, nothing merged away


def test_another_key_in_between_starts_a_new_group():
    rows = [Row("a", T0), Row("b", T0), Row("a", T0)]
    assert _keys(group_rows(rows, lambda row: row.key)) == [("a", 1), ("b", 1), ("a", 1)]


@pytest.fixture
def officer(http_app, world):
    return login(http_app, world.privacy_officer)


@pytest.fixture
def read_three_times(world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         professional=world.professional)
    for _ in range(3):
        read_handover(world.professional, handover)
    db.session.commit()
    return handover


def _log_rows() -> int:
    return db.session.execute(select(func.count()).select_from(ProcessingLogEntry)).scalar_one()


def test_three_reads_of_a_handover_are_one_line_with_each_entry_behind_it(
        officer, world, read_three_times):
    before = _log_rows()
    html = unescape(text(officer.get("/privacy/processing-log?action=read_handover")))
    assert _log_rows() == before  # presentation only: the log is as it was
    assert html.count('<tr class="grouped">') == 1
    assert "3 keer" in html and "Elke regel" in html
    seqs = db.session.execute(select(ProcessingLogEntry.seq).where(
        ProcessingLogEntry.action == "read_handover")).scalars().all()
    assert len(seqs) == 3
    for seq in seqs:
        assert f"#{seq} ·" in html
    assert "3 regels" in html  # the total still counts every entry
    csv = text(officer.get("/privacy/processing-log.csv?action=read_handover"))
    assert len(csv.strip().splitlines()) == 1 + 3


def test_audit_events_of_one_actor_and_object_are_grouped(officer, world):
    from app.audit.operations import record_event

    for _ in range(4):
        record_event("case_notes_saved", actor=world.coach, object_type="case", object_id="c-1")
    db.session.commit()
    html = unescape(text(officer.get("/privacy/audit-events?event_type=case_notes_saved")))
    assert html.count('<tr class="grouped">') == 1 and "4 keer" in html
    assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event_type == "case_notes_saved")).scalar_one() == 4


@pytest.mark.parametrize("url", ["/privacy/processing-log", "/privacy/audit-events",
                                 "/privacy/consents"])
def test_filters_offer_words_not_codes(officer, url):
    html = text(officer.get(url))
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', html)
    assert options
    codes = [(value, shown) for value, shown in options
             if value and (shown == value or re.fullmatch(r"[a-z]+(_[a-z]+)+", shown))]
    assert codes == []


def test_verifying_the_logs_is_in_the_privacy_officers_menu(officer):
    html = unescape(text(officer.get("/privacy/processing-log")))
    menu = html[html.index('aria-label="Hoofdmenu"'):html.index("</nav>")]
    assert 'href="/privacy/verify">Logboeken controleren</a>' in menu


def test_the_consent_register_is_one_compact_row_per_consent(officer, world,
                                                              read_three_times):
    html = unescape(text(officer.get("/privacy/consents")))
    assert 'class="rows card compact-rows"' in html
    assert "<table" not in html
    assert "Warme overdracht" in html and f"Met {world.buurtteam.name}" in html
    assert world.resident.display_name not in html
