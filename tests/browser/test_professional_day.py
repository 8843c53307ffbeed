"""A professional's day in a real browser at phone size (390×844), in Dutch: the inbox names
per handover the resident (as far as the consent reaches), the urgency, the building and the
flatcoach; the handover page offers to call or e-mail the flatcoach; recording the
introduction before its planned time asks to confirm it; then help starts. No page shows
English text or logs an error in the console."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD, screenshot, shows

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NL_JSON = Path(__file__).resolve().parents[2] / "tools" / "nl.json"


def _english_sentences() -> list[str]:
    """The catalogue's English texts of three words or more that read differently in Dutch:
    none of them may show on a Dutch page."""
    catalogue = json.loads(NL_JSON.read_text(encoding="utf-8"))
    return [english for english, dutch in catalogue.items()
            if isinstance(dutch, str) and dutch != english and "%" not in english
            and len(english.split()) >= 3]


ENGLISH = _english_sentences()


class Phone:
    """One logged-in phone whose console is watched."""

    def __init__(self, browser: Any, base_url: str, email: str) -> None:
        self.context = browser.new_context(viewport=PHONE, locale="nl-NL", base_url=base_url)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda message: self.problems.append(message.text)
                     if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.goto("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(f"{base_url}/")

    def refused_as_expected(self) -> None:
        """A form sent back with its errors answers 422, which Chromium logs: that one only."""
        refusals = [p for p in self.problems if "status of 422" in p]
        assert len(refusals) == 1, self.problems
        self.problems.remove(refusals[0])

    def check(self, name: str) -> str:
        """The page fits the phone, is Dutch only and logged no error; a screenshot."""
        page = self.page
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "nl", page.url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"
        body = page.inner_text("body")
        english = [sentence for sentence in ENGLISH if sentence in body]
        assert not english, f"{page.url} shows English: {english}"
        found, self.problems[:] = list(self.problems), []
        assert not found, f"{page.url} logged errors: {found}"
        screenshot(page, name)
        return body


def _facts(live_server: Any, handover_id: uuid.UUID) -> dict[str, Any]:
    from app.auth.models import User
    from app.db import db
    from app.handovers.models import Handover

    def read() -> dict[str, Any]:
        handover = db.session.get(Handover, handover_id)
        case = handover.case
        coach = db.session.get(User, case.coach_id)
        return {"name": case.resident.display_name,
                "building": case.resident.dwelling.building.name,
                "urgency": str(case.help_question.urgency), "coach": coach.name,
                "phone": coach.phone, "email": coach.email,
                "categories": list(handover.data_categories)}

    return live_server.query(read)


URGENCY = {"low": "Laag", "normal": "Normaal", "high": "Hoog"}


def test_professional_from_inbox_to_help_started(browser, live_server):
    phone = Phone(browser, live_server.url, "buurtteam@buurtpad.test")
    page = phone.page
    try:
        page.goto("/handovers")
        inbox = phone.check("prof-01-inbox")
        first = page.locator("ul.rows > li").first
        href = first.locator("a").first.get_attribute("href")
        handover_id = uuid.UUID(re.fullmatch(r"/handovers/([0-9a-f-]{36})", href).group(1))
        facts = _facts(live_server, handover_id)
        assert {"identity", "contact", "help_question"} <= set(facts["categories"])
        row = first.inner_text()
        assert facts["name"] in row
        assert f"Urgentie: {URGENCY[facts['urgency']]}" in row
        assert facts["building"] in row
        assert f"Flatcoach: {facts['coach']}" in row
        assert "Overdracht van" not in inbox

        first.locator("a").first.click()
        page.wait_for_url(f"**{href}")
        body = phone.check("prof-02-handover")
        assert "Je contactpersoon: de flatcoach" in body and facts["coach"] in body
        assert facts["phone"]
        call = page.locator(f"a[href='tel:{facts['phone']}']")
        assert call.is_visible() and call.inner_text() == f"bel {facts['phone']}"
        assert page.locator(f"a[href='mailto:{facts['email']}']").is_visible()

        page.click("button:has-text('Accepteren')")
        shows(page, "Overdracht: Geaccepteerd.")
        page.click("summary:has-text('Kennismaking plannen')")
        planned = date.today() + timedelta(days=2)
        page.fill("#handover-schedule_intro-intro_at", planned.isoformat() + "T10:30")
        page.fill("#handover-schedule_intro-place", "Buurtkamer Overvecht")
        page.click("details[open] button:has-text('Kennismaking plannen')")
        shows(page, "Overdracht: Kennismaking gepland.")
        phone.check("prof-03-scheduled")

        page.click("summary:has-text('Kennismaking heeft plaatsgevonden')")
        shows(page, "De kennismaking stond gepland op")
        shows(page, "weet je zeker dat die al heeft plaatsgevonden?")
        page.click("details[open] button:has-text('Kennismaking heeft plaatsgevonden')")
        shows(page, "Vink dit aan om te bevestigen dat de kennismaking heeft plaatsgevonden.")
        phone.refused_as_expected()
        phone.check("prof-04-confirm-early-intro")
        assert live_server.query(lambda: _state(handover_id)) == "intro_scheduled"
        page.check("#handover-record_intro-confirmed")
        page.click("details[open] button:has-text('Kennismaking heeft plaatsgevonden')")
        shows(page, "Overdracht: Kennismaking gehouden.")

        page.click("button:has-text('Hulp is gestart')")
        shows(page, "Overdracht: Afgerond.")
        phone.check("prof-05-help-started")
        assert live_server.query(lambda: _state(handover_id)) == "completed"
    finally:
        phone.context.close()


def _state(handover_id: uuid.UUID) -> str:
    from app.db import db
    from app.handovers.models import Handover

    return db.session.execute(
        select(Handover.state).where(Handover.id == handover_id)).scalar_one()


def _upcoming_activity(live_server: Any) -> tuple[int, str]:
    """An upcoming activity in a building of coach 1, and a resident who could organise it."""
    from app.buildings.models import Building, Dwelling
    from app.buurtkamer.models import Activity
    from app.db import db, utcnow
    from app.residents.models import Resident

    def find() -> tuple[int, str]:
        activity = db.session.execute(
            select(Activity).join(Building, Building.id == Activity.building_id)
            .where(Building.name == "Tigrisdreef", Activity.cancelled_at.is_(None),
                   Activity.starts_at > utcnow()).order_by(Activity.starts_at)
        ).scalars().first()
        taken = {organiser.resident_id for organiser in activity.organisers}
        name = next(name for rid, name in db.session.execute(
            select(Resident.id, Resident.display_name)
            .join(Dwelling, Dwelling.id == Resident.dwelling_id)
            .where(Dwelling.building_id == activity.building_id,
                   Resident.anonymised_at.is_(None)).order_by(Resident.display_name)
        ).all() if rid not in taken)
        return activity.id, name

    return live_server.query(find)


def test_coach_today_and_the_searchable_organiser_picker(browser, live_server):
    phone = Phone(browser, live_server.url, "coach@buurtpad.test")
    page = phone.page
    try:
        page.goto("/today")
        body = phone.check("prof-06-coach-today")
        for heading in ("Kennismakingen vandaag", "Deuren om naar terug te gaan",
                        "Buurtkamer: komende activiteiten"):
            assert heading in body

        activity_id, name = _upcoming_activity(live_server)
        page.goto(f"/buurtkamer/{activity_id}")
        picker = page.locator("select[name=resident_id]")
        before = picker.locator("option").count()
        assert before >= 15 and picker.get_attribute("data-searchable") is not None
        box = page.locator("#resident_id-filter")
        assert box.is_visible()
        box.fill(name)
        page.wait_for_function(
            "n => document.querySelectorAll('select[name=resident_id] option').length < n",
            arg=before)
        shown = picker.locator("option").all_inner_texts()
        assert any(name in option for option in shown) and len(shown) < before
        phone.check("prof-07-organiser-picker")
        box.fill("zzzzqqq")
        shows(page, "Niets gevonden: probeer minder letters.")
        box.fill("")
        assert picker.locator("option").count() == before
    finally:
        phone.context.close()
