"""Connections, the Buurtkamer, neighbourhood insight and the coordinator's new admin pages in
a real browser at phone size, in Dutch: a coach connects two neighbours (their contact card
appears only once both consented and the connection is agreed), plans a Buurtkamer activity
with a resident organiser and counts who came; the coordinator reads the insight panels,
downloads one as CSV, adds a building and reactivates a user. Every page fits 360 px, is
Dutch, and logs no error in the console — a refused inline style or script (CSP) included."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import DEMO_PASSWORD, assert_fits_phone, screenshot, shows

pytestmark = pytest.mark.browser

# Chromium reports a CSP refusal in the console; this makes sure of it for every kind.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP refused ${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});
"""
# On a phone a table is a stack of cards, each cell's label beside its value: never over the next.
LABELS_RUNNING_OVER = """() => [...document.querySelectorAll("table.data td[data-label]")]
  .filter((cell) => cell.offsetParent !== null)
  .filter((cell) => parseFloat(getComputedStyle(cell, "::before").height) > cell.clientHeight + 0.5)
  .map((cell) => cell.dataset.label)"""

# A thumb needs about 44 px: every visible button is at least that tall.
SMALL_BUTTONS = """() => [...document.querySelectorAll("button, summary, a.button")]
  .filter((element) => element.offsetParent !== null)
  .filter((element) => element.getBoundingClientRect().height < 43.5)
  .map((element) => element.textContent.trim())"""


class Phones:
    """Logged-in phones whose console is watched: `check(page, name)` asserts that the page
    fits 360 px, is Dutch, logged no error since the last check, has no button too small for a
    thumb and no table label running into the next line, and saves a screenshot."""

    def __init__(self, phone: Any) -> None:
        self._phone = phone
        self._problems: dict[int, tuple[Any, list[str]]] = {}

    def open(self, email: str) -> Any:
        page = self._phone(email)
        problems: list[str] = []
        page.add_init_script(REPORT_CSP)
        page.on("console", lambda message: problems.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        self._problems[id(page)] = (page, problems)
        return page

    def check(self, page: Any, name: str) -> None:
        assert_fits_phone(page)
        assert page.get_attribute("html", "lang") == "nl", page.url
        problems = self._problems[id(page)][1]
        found = list(problems)
        problems.clear()
        assert not found, f"{page.url} logged errors: {found}"
        assert page.evaluate(LABELS_RUNNING_OVER) == [], page.url
        assert page.evaluate(SMALL_BUTTONS) == [], page.url
        screenshot(page, name)


@pytest.fixture
def phones(phone: Any) -> Phones:
    return Phones(phone)


def _open_from_menu(page: Any, text: str) -> None:
    page.click("summary:has-text('Menu')")
    page.click(f"nav[aria-label='Hoofdmenu'] a:has-text('{text}')")
    page.wait_for_load_state()


def _resident_names(live_server: Any) -> list[str]:
    from app.db import db
    from app.residents.models import Resident

    return live_server.query(lambda: list(
        db.session.execute(select(Resident.display_name)).scalars()))


# ----------------------------------------------------------------------------- the checks


def test_the_console_watch_sees_a_refused_inline_style(phones):
    page = phones.open("coach@buurtpad.test")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                  "'<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(100)
    with pytest.raises(AssertionError, match="style-src"):
        phones.check(page, "watch-csp-refused")


# ----------------------------------------------------------------------------- connections


def test_coach_connects_two_neighbours(phones, live_server):
    page = phones.open("coach@buurtpad.test")
    _open_from_menu(page, "Verbindingen")
    page.wait_for_url("**/matches")
    shows(page, "Verbindingen")
    phones.check(page, "connections-01-list")

    page.click("main a.button:has-text('Suggesties')")
    page.wait_for_url("**/matches/suggestions")
    page.click("nav.tabs a:has-text('Tigrisdreef')")
    page.wait_for_url("**/matches/suggestions?building=*")
    suggestion = page.locator("ul.rows li").first
    assert "Allebei in Tigrisdreef" in suggestion.inner_text()
    offering = suggestion.locator("input[name=offering_resident_id]").get_attribute("value")
    seeking = suggestion.locator("input[name=seeking_resident_id]").get_attribute("value")
    phones.check(page, "connections-02-suggestions")

    suggestion.locator("button:has-text('Voorstellen')").click()
    page.wait_for_url("**/matches/*-*")
    shows(page, "Verbinding voorgesteld.")
    match_url = page.url
    card = page.locator("section.card:has(h2:has-text('Contactgegevens'))")
    assert card.locator("dl.facts").count() == 0
    assert page.locator("button:has-text('Beiden willen kennismaken')").count() == 1
    phones.check(page, "connections-03-proposed")

    names = _names_of(live_server, offering, seeking)
    for side in ("offering", "seeking"):
        give = page.locator(f"form:has(#{side}-give-trigger)")
        give.locator("input[name=method][value=verbal]").check()
        give.locator("button[type=submit]").click()
        shows(page, "Toestemming: Gegeven.")
        # Consent alone shows nothing: the connection is not agreed yet.
        assert card.locator("dl.facts").count() == 0
    phones.check(page, "connections-04-both-consented")

    page.click("button:has-text('Beiden willen kennismaken')")
    shows(page, "Verbinding: Afgesproken.")
    facts = card.locator("dl.facts").inner_text()
    assert names[0] in facts and names[1] in facts
    phones.check(page, "connections-05-agreed-contact-card")

    page.click("button:has-text('Ze hebben elkaar ontmoet')")
    shows(page, "Verbinding: Ontmoet.")
    assert page.locator("ol.steps li[aria-current=step]").inner_text() == "Ontmoet"
    phones.check(page, "connections-06-met")

    page.goto("/matches?state=met")
    assert page.locator(f"a[href='{match_url.removeprefix(live_server.url)}']").count() == 1
    phones.check(page, "connections-07-list-met")

    # The other coach's buildings are elsewhere: the connection does not exist for them.
    other = phones.open("coach2@buurtpad.test")
    assert other.goto(match_url).status == 404
    assert names[0] not in other.content()


def _names_of(live_server: Any, *resident_ids: str) -> list[str]:
    import uuid

    from app.db import db
    from app.residents.models import Resident

    return live_server.query(lambda: [
        db.session.get(Resident, uuid.UUID(value)).display_name for value in resident_ids])


# ----------------------------------------------------------------------------- buurtkamer


def test_coach_plans_an_activity_with_an_organiser_and_counts_who_came(phones):
    page = phones.open("coach@buurtpad.test")
    _open_from_menu(page, "Buurtkamer")
    page.wait_for_url("**/buurtkamer")
    phones.check(page, "buurtkamer-01-agenda")

    page.click("main a.button:has-text('Activiteit plannen')")
    page.wait_for_url("**/buurtkamer/new*")
    page.select_option("select[name=building_id]", label="Tigrisdreef")
    page.fill("input[name=title]", "Taalcafé op dinsdag")
    page.locator("input[name=theme]").first.check()
    # Planned after the fact (a start up to a month back is allowed): it took place two days ago.
    started = (datetime.now() - timedelta(days=2)).replace(hour=10, minute=0)
    page.fill("input[name=starts_at]", started.strftime("%Y-%m-%dT%H:%M"))
    assert page.input_value("input[name=place]") == "Buurtkamer"
    phones.check(page, "buurtkamer-02-plan-form")
    page.click("main button:has-text('Plannen')")
    page.wait_for_url(re.compile(r"/buurtkamer/\d+$"))
    shows(page, "Activiteit gepland.")
    phones.check(page, "buurtkamer-03-activity")

    # A resident organises it and agrees on the spot to be named.
    form = page.locator("form#add-organiser")
    resident = form.locator("select[name=resident_id] option:not([value=''])").first
    name = resident.inner_text().split(" · ")[0]
    form.locator("select[name=resident_id]").select_option(resident.get_attribute("value"))
    form.locator("summary:has-text('De bewoner stemt nu in')").click()
    form.locator("input[name=method][value=verbal]").check()
    form.locator("input[name=notice_shown]").check()
    phones.check(page, "buurtkamer-04-organiser-consent")
    form.locator("button:has-text('Toestemming noteren en toevoegen')").click()
    shows(page, "Organisator toegevoegd.")
    organisers = page.locator("section:has(#organisers) ul.rows").inner_text()
    assert name in organisers

    page.fill("input[name=participant_count]", "14")
    page.click("button:has-text('Aantal opslaan')")
    shows(page, "Opkomst genoteerd: 14.")
    phones.check(page, "buurtkamer-05-counted")

    page.click("p.breadcrumb a")
    page.wait_for_url("**/buurtkamer?building=*")
    past = page.locator("section:has(#past) li.activity:has-text('Taalcafé op dinsdag')")
    assert "14" in past.inner_text() and name in past.inner_text()
    phones.check(page, "buurtkamer-06-agenda-took-place")


# ----------------------------------------------------------------------------- insight


def test_coordinator_reads_insight_and_downloads_a_panel(phones, live_server):
    from app.insight.panels import PANELS

    page = phones.open("coordinator@buurtpad.test")
    _open_from_menu(page, "Buurtinzicht")
    page.wait_for_url("**/insight")
    panels = page.locator("section.insight-panel")
    assert panels.count() == len(PANELS)
    charted = 0
    for index in range(panels.count()):
        panel = panels.nth(index)
        bars = panel.locator("svg.bar-svg rect").count()
        # A panel the demo has nothing for yet (no declines, no check-ins due) says so.
        empty = panel.locator("p.empty:has-text('Hier is nog niets geteld.')").count()
        assert (bars >= 1) != (empty == 1), panel.get_attribute("id")
        charted += bars >= 1
        assert panel.locator("a:has-text('Downloaden als CSV')").count() == 1
    assert charted >= len(PANELS) - 3
    phones.check(page, "insight-01-all-buildings")

    page.click("details.filter-box > summary")
    page.select_option("select[name=building_id]", label="Tigrisdreef")
    page.click("form.filters button:has-text('Tonen')")
    page.wait_for_url("**/insight?building_id=*")
    assert page.locator("select[name=building_id] option:checked").inner_text() == "Tigrisdreef"
    assert page.locator("section.insight-panel svg.bar-svg").count() >= len(PANELS) - 2
    folded = page.locator("section.insight-panel details.panel-fold > summary")
    for index in range(folded.count()):
        folded.nth(index).click()
    tables = page.locator("section.insight-panel summary:has-text('Tabel')")
    for index in range(tables.count()):
        tables.nth(index).click()
    assert page.locator("section.insight-panel table.data:visible").count() == tables.count()
    phones.check(page, "insight-02-tigrisdreef-tables")

    panel = page.locator("section#panel-languages")
    with page.expect_download() as download_info:
        panel.locator("a:has-text('Downloaden als CSV')").click()
    download = download_info.value
    assert download.suggested_filename.startswith("insight-languages-building-")
    content = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:2] == ["Rij", "Onderdeel van"]
    assert len(rows) > 2
    assert "<5" in content  # a language spoken in one to four households is not counted out
    assert not any(name in content for name in _resident_names(live_server))
    phones.check(page, "insight-03-after-download")


# ----------------------------------------------------------------------------- admin


def test_coordinator_adds_a_building_and_reactivates_a_user(phones, live_server):
    from app.buildings.models import Building, Dwelling
    from app.db import db

    page = phones.open("coordinator@buurtpad.test")
    page.goto("/admin/buildings")
    page.click("main a:has-text('Nieuwe flat')")
    page.wait_for_url("**/admin/buildings/new")
    page.fill("input[name=name]", "Nijldreef")
    page.fill("input[name=neighbourhood]", "Overvecht")
    page.fill("input[name=city]", "Utrecht")
    page.fill("input[name=street]", "Nijldreef")
    page.fill("input[name=postcode]", "3562ab")
    page.fill("input[name=floors]", "4")
    page.fill("input[name=dwellings_per_floor]", "6")
    page.fill("input[name=first_number]", "1")
    page.select_option("select[name=number_step]", value="2")
    phones.check(page, "admin-01-new-building")
    page.click("main button:has-text('Flat aanmaken')")
    page.wait_for_url(re.compile(r"/admin/buildings/\d+$"))
    shows(page, "24 woningen")
    phones.check(page, "admin-02-building-created")

    def dwellings() -> tuple[int, str, list[int]]:
        building = db.session.execute(
            select(Building).where(Building.name == "Nijldreef")).scalar_one()
        numbers = list(db.session.execute(
            select(Dwelling.number).where(Dwelling.building_id == building.id,
                                          Dwelling.floor == 1).order_by(Dwelling.number)
        ).scalars())
        count = db.session.execute(select(func.count()).select_from(Dwelling)
                                   .where(Dwelling.building_id == building.id)).scalar_one()
        postcode = db.session.execute(select(Dwelling.postcode).where(
            Dwelling.building_id == building.id)).scalars().first()
        return count, postcode, numbers

    count, postcode, numbers = live_server.query(dwellings)
    assert (count, postcode) == (24, "3562 AB")
    assert numbers == [1, 3, 5, 7, 9, 11]

    # A new colleague, deactivated when they left and back again: they log in as before.
    page.goto("/admin/users")
    page.click("main a.button:has-text('Nieuwe gebruiker')")
    page.fill("input[name=name]", "Lotte Terugkeer")
    page.fill("input[name=email]", "lotte@buurtpad.test")
    page.select_option("select[name=role]", value="flatcoach")
    page.select_option("select[name=organization_id]", label="Welzijn Overvecht")
    page.fill("input[name=password]", DEMO_PASSWORD)
    phones.check(page, "admin-03-new-user")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/users")
    row = page.locator("ul.rows li:has-text('Lotte Terugkeer')")
    row.locator("summary:has-text('Deactiveren')").click()
    row.locator("button:has-text('Lotte Terugkeer deactiveren')").click()
    shows(page, "Lotte Terugkeer is gedeactiveerd")
    assert "gedeactiveerd" in row.locator(".badge").inner_text()
    phones.check(page, "admin-04-user-deactivated")

    row.locator("button:has-text('Lotte Terugkeer weer activeren')").click()
    shows(page, "Lotte Terugkeer kan weer inloggen")
    assert row.locator(".badge").inner_text() == "actief"
    phones.check(page, "admin-05-user-reactivated")

    again = phones.open("lotte@buurtpad.test")
    assert "Lotte Terugkeer" in again.content()
    phones.check(again, "admin-06-reactivated-user-home")
