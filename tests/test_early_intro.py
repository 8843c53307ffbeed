"""Recording a joint introduction before its planned time: the page asks to confirm that it
already took place; without the tick nothing is recorded. The API's contract is unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.db import db, utcnow
from tests import factories
from tests.web import hidden, login, text
from workflows.handover import intro_recorded_early

QUESTION = "De kennismaking stond gepland op"


@pytest.fixture
def scheduled(world):
    """A handover whose introduction is planned in two days."""
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam,
                                         state="intro_scheduled",
                                         professional=world.professional,
                                         intro_at=utcnow() + timedelta(days=2))
    db.session.commit()
    return handover


def test_the_rule():
    now = datetime(2026, 12, 7, 10, 0)
    assert intro_recorded_early(now + timedelta(minutes=1), now)
    assert not intro_recorded_early(now, now)
    assert not intro_recorded_early(now - timedelta(hours=1), now)
    assert not intro_recorded_early(None, now)


@pytest.mark.parametrize("who", ["professional", "coach"])
def test_the_page_asks_before_recording_an_early_intro(http_app, world, scheduled, who):
    browser = login(http_app, getattr(world, who))
    url = f"/handovers/{scheduled.id}"
    html = text(browser.get(url))
    assert QUESTION in html and "weet je zeker dat die al heeft plaatsgevonden?" in html
    assert 'name="confirmed"' in html
    version = hidden(html, "version", "record_intro")
    refused = browser.post(f"{url}/transitions",
                           data={"trigger": "record_intro", "version": version})
    page = text(refused)
    assert refused.status_code == 422
    assert "De kennismaking is niet vastgelegd" in page
    assert "Vink dit aan om te bevestigen" in page
    db.session.refresh(scheduled)
    assert scheduled.state == "intro_scheduled" and scheduled.intro_held_at is None
    done = browser.post(f"{url}/transitions",
                        data={"trigger": "record_intro", "version": version, "confirmed": "y"})
    assert done.status_code == 302
    db.session.refresh(scheduled)
    assert scheduled.state == "intro_held"


def test_an_intro_whose_time_has_come_is_recorded_without_a_question(http_app, world,
                                                                      scheduled):
    scheduled.intro_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    browser = login(http_app, world.professional)
    html = text(browser.get(f"/handovers/{scheduled.id}"))
    assert QUESTION not in html and 'name="confirmed"' not in html
    response = browser.post(f"/handovers/{scheduled.id}/transitions",
                            data={"trigger": "record_intro", "version": scheduled.version})
    assert response.status_code == 302
    db.session.refresh(scheduled)
    assert scheduled.state == "intro_held"


def test_the_api_keeps_its_contract(api, world, scheduled):
    response = api.login(world.professional).post(
        f"/api/v1/handovers/{scheduled.id}/transitions",
        json={"trigger": "record_intro", "version": scheduled.version})
    assert response.status_code == 200
    assert response.json["state"] == "intro_held"
