"""The privacy officer's and the coordinator's pages at 360 px, in Dutch: the privacy menu
fits; the inzage of a resident whose handover a professional has just read shows that read
with the organisation and the date, and prints; the logs are grouped; the consent register
is compact; the coordinator changes a user, sees what a role change means, makes a one-time
password link and deactivates a coach after handing their buildings to a colleague; the
insight page opens with its summary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from tests.browser.conftest import PHONE, SCREENSHOTS, assert_fits_phone, screenshot, shows
from tests.browser.test_connection_and_insight import Phones

pytestmark = pytest.mark.browser

# Every link of the open menu lies inside the screen.
MENU_OVERFLOW = """() => [...document.querySelectorAll("details.menu[open] nav a, details.menu[open] nav button")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5
                       || element.scrollWidth > element.clientWidth + 0.5)
  .map((element) => element.textContent.trim())"""


@pytest.fixture
def phones(phone: Any) -> Phones:
    return Phones(phone)


def _read_handover(live_server: Any) -> dict[str, Any]:
    """A handover offered to Buurtteam Overvecht under a valid consent, and its resident."""
    from app.cases.models import Case
    from app.consent.models import Consent
    from app.db import db, utcnow
    from app.handovers.models import Handover
    from app.organizations.models import Organization

    def find() -> dict[str, Any]:
        handover, case = db.session.execute(
            select(Handover, Case).join(Case, Case.id == Handover.case_id)
            .join(Organization, Organization.id == Handover.organization_id)
            .join(Consent, Consent.id == Handover.consent_id)
            .where(Organization.name == "Buurtteam Overvecht",
                   Handover.state.in_(("offered", "accepted", "intro_scheduled")),
                   Consent.state == "given", Consent.valid_until > utcnow())
            .order_by(Handover.offered_at)).first()
        return {"handover": str(handover.id), "resident": str(case.resident_id),
                "name": case.resident.display_name}

    return live_server.query(find)


def test_the_privacy_officer_hands_over_an_inzage(phones, live_server):
    found = _read_handover(live_server)
    professional = phones.open("buurtteam@buurtpad.test")
    professional.goto(f"/handovers/{found['handover']}")
    shows(professional, found["name"])  # the professional read the handover just now

    page = phones.open("privacy@buurtpad.test")
    page.click("summary:has-text('Menu')")
    assert page.evaluate(MENU_OVERFLOW) == []
    menu = page.locator("nav[aria-label='Hoofdmenu']")
    for item in ("Toestemmingsregister", "Verwerkingenlog", "Auditlog", "Logboeken controleren",
                 "Verzoeken van betrokkenen"):
        assert menu.locator(f"a:has-text('{item}')").count() == 1, item
    phones.check(page, "privacy-menu-360")
    page.click("summary:has-text('Menu')")

    page.goto(f"/privacy/residents/{found['resident']}")
    page.click("a:has-text('Inzage om af te drukken')")
    page.wait_for_url("**/inzage")
    shows(page, "Wat Buurtpad over u bewaart")
    log = page.locator("section#access-log")
    today = format_date(datetime.now(ZoneInfo("Europe/Amsterdam")).date(), "d MMM y",
                        locale="nl")
    read = log.locator("tr:has-text('Overdracht ingezien')").first
    assert "Buurtteam Overvecht" in read.inner_text()
    assert today in read.inner_text()
    assert "Professional" in read.inner_text()
    for heading in ("Uw gegevens, per soort", "Uw toestemmingen", "Warme overdrachten",
                    "Wie uw gegevens zag of kreeg"):
        assert page.locator(f"h2:has-text('{heading}')").count() == 1, heading
    phones.check(page, "privacy-inzage-360")

    # Printed (or saved as PDF): the page alone, without the menu and the buttons.
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("button:has-text('Afdrukken')").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = Path(SCREENSHOTS / "privacy-inzage.pdf")
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 10_000
    page.emulate_media(media="screen")


def test_the_logs_and_the_register_read_at_a_glance(phones):
    page = phones.open("privacy@buurtpad.test")
    page.goto("/privacy/processing-log")
    assert page.locator("table.log-table tbody tr").count() >= 1
    options = page.locator("select[name=action] option").all_inner_texts()
    assert "Opgezocht voor een verzoek" in options
    assert not any("_" in option for option in options)
    phones.check(page, "privacy-processing-log-grouped")
    page.goto("/privacy/audit-events")
    phones.check(page, "privacy-audit-events-grouped")
    page.goto("/privacy/consents")
    rows = page.locator("ul.compact-rows > li")
    assert rows.count() >= 3
    # A consent is a few lines, not a card of six labelled rows.
    assert rows.first.bounding_box()["height"] < 160
    phones.check(page, "privacy-consent-register-compact")


def _leaving_coach(live_server: Any) -> dict[str, Any]:
    """A coach of Welzijn Overvecht with a building of their own and an open case in it, and
    a colleague to hand over to."""
    from app.admin.operations import assign_coach, create_building
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.auth.permissions import Role
    from app.buildings.models import Dwelling
    from app.cases.operations import open_case
    from app.db import db
    from app.organizations.models import Organization
    from app.residents.models import Resident

    def make() -> dict[str, Any]:
        welzijn = db.session.execute(select(Organization).where(
            Organization.name == "Welzijn Overvecht")).scalar_one()
        coordinator = db.session.execute(select(User).where(
            User.email == "coordinator@buurtpad.test")).scalar_one()
        people = []
        for name, email in (("Sanne Vertrek", "sanne@buurtpad.test"),
                            ("Kees Blijft", "kees@buurtpad.test")):
            user = User(email=email, name=name, role=Role.FLATCOACH,
                        organization_id=welzijn.id, password_hash=hash_password("x" * 16))
            db.session.add(user)
            people.append(user)
        db.session.flush()
        building = create_building(coordinator, name="Amazonedreef", neighbourhood="Overvecht",
                                   city="Utrecht", street="Amazonedreef", postcode="3564 AA",
                                   floors=2, dwellings_per_floor=2, first_number=1,
                                   number_step=1)
        assign_coach(coordinator, building, people[0])
        dwelling = db.session.execute(select(Dwelling).where(
            Dwelling.building_id == building.id)).scalars().first()
        resident = Resident(dwelling_id=dwelling.id, display_name="Ilse Amazone")
        db.session.add(resident)
        db.session.flush()
        open_case(people[0], resident)
        db.session.commit()
        return {"leaving": people[0].id, "staying": people[1].id, "building": building.id}

    return live_server.query(make)


def test_the_coordinator_changes_resets_and_deactivates_with_a_handover(phones, live_server,
                                                                       browser):
    ids = _leaving_coach(live_server)
    page = phones.open("coordinator@buurtpad.test")
    page.goto("/admin/users")
    page.click("a:has-text('Sanne Vertrek')")
    page.wait_for_url(f"**/admin/users/{ids['leaving']}")
    held = page.locator("section:has(h2:has-text('Wat Sanne Vertrek onder zich heeft'))")
    assert "1 flat" in held.inner_text() and "Amazonedreef" in held.inner_text()
    assert "1 open traject" in held.inner_text()
    assert "Ilse Amazone" not in page.content()  # no resident's name on the coordinator's page
    phones.check(page, "admin-user-01-page")

    # A new name is saved at once.
    page.fill("input[name=name]", "Sanne de Vertrek")
    page.click("section#edit button:has-text('Opslaan')")
    shows(page, "Sanne de Vertrek is gewijzigd.")

    # A new role shows its consequences first.
    page.select_option("section#edit select[name=role]", value="professional")
    page.select_option("section#edit select[name=organization_id]", label="Buurtteam Overvecht")
    page.click("section#edit button:has-text('Opslaan')")
    shows(page, "Bekijk de gevolgen")
    consequences = page.locator("#consequences").inner_text()
    assert "Ziet alleen de overdrachten" in consequences
    assert "wordt overal uitgelogd" in consequences
    phones.check(page, "admin-user-02-role-consequences")
    page.goto(f"/admin/users/{ids['leaving']}")  # not confirmed: nothing changed

    # A one-time link to set a new password.
    page.click("section#password button:has-text('Wachtwoord opnieuw instellen')")
    shows(page, "Eenmalige link voor Sanne de Vertrek")
    link = page.locator("input.copy-link").input_value()
    phones.check(page, "admin-user-03-password-link")
    visitor = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        own = visitor.new_page()
        own.goto(link)
        own.fill("input[name=password]", "sanne haar eigen wachtwoord")
        own.fill("input[name=repeat]", "sanne haar eigen wachtwoord")
        assert_fits_phone(own)
        screenshot(own, "admin-user-04-set-password")
        own.click("main button[type=submit]")
        shows(own, "Uw nieuwe wachtwoord is ingesteld")
        own.fill("#email", "sanne@buurtpad.test")
        own.fill("#password", "sanne haar eigen wachtwoord")
        own.click("main button[type=submit]")
        own.wait_for_url("**/")
        assert own.goto(link).status == 404  # used once
    finally:
        visitor.close()

    # Deactivation: her building and open case go to a colleague of the same organisation.
    page.goto(f"/admin/users/{ids['leaving']}")
    deactivate = page.locator("section#deactivate")
    assert "Eerst neemt een collega van dezelfde organisatie dit over" in deactivate.inner_text()
    deactivate.locator("select[name=successor_id]").select_option(label="Kees Blijft")
    phones.check(page, "admin-user-05-deactivate-with-handover")
    page.locator("section#deactivate button:has-text('deactiveren')").click()
    page.wait_for_url("**/admin/users")
    shows(page, "Flats, trajecten en overdrachten zijn naar Kees Blijft gegaan.")
    phones.check(page, "admin-user-06-deactivated")

    page.goto(f"/admin/buildings/{ids['building']}")
    assert "Kees Blijft" in page.content() and "Sanne de Vertrek" not in page.content()


def test_the_insight_page_opens_with_its_summary(phones):
    page = phones.open("coordinator@buurtpad.test")
    page.goto("/insight")
    summary = page.locator("section.insight-summary")
    box = summary.bounding_box()
    assert box["y"] < PHONE["height"] / 2  # it starts on the first screen
    for words in ("In het kort", "Deuren aangebeld", "Meest genoemde behoeften",
                  "Meest aangeboden", "Wil iets doen voor buren",
                  "Hulp gestart na een warme overdracht"):
        assert words in summary.inner_text(), words
    assert page.locator("details.panel-fold[open]").count() == 0
    assert_fits_phone(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "insight-first-screen.png"))  # what a phone shows
    page.click("section#panel-themes summary")
    assert page.locator("section#panel-themes svg.bar-svg").first.is_visible()
    page.click("details.filter-box > summary")
    options = page.locator("select[name=period] option").all_inner_texts()
    assert options[0] == "Alle tijd" and any(o.startswith("Heel ") for o in options)
    phones.check(page, "insight-summary-and-a-panel")
