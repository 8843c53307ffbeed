"""The whole path in a real browser at phone size, in Dutch: a coach records a visit, opens a
case, writes the help question, records consent and offers a warm handover; the buurtteam
professional accepts, plans and records the introduction and completes it; the privacy
officer finds the disclosure in the processing log and verifies the logs. Plus: nobody sees
outside their scope, and no main page scrolls sideways at 360 px."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import exists, select

from tests.browser.conftest import assert_fits_phone, screenshot, shows, unfold

pytestmark = pytest.mark.browser

NAME = "Noor Testbewoner"
HELP_QUESTION = "Ik krijg steeds aanmaningen en weet niet waar ik moet beginnen."


def _free_door(live_server: Any) -> tuple[int, int]:
    """A door of Tigrisdreef (coach 1) where nobody is registered yet."""
    from app.buildings.models import Building, Dwelling
    from app.db import db
    from app.residents.models import Resident

    def find() -> tuple[int, int]:
        dwelling = db.session.execute(
            select(Dwelling).join(Building, Building.id == Dwelling.building_id)
            .where(Building.name == "Tigrisdreef",
                   ~exists().where(Resident.dwelling_id == Dwelling.id))
            .order_by(Dwelling.floor.desc(), Dwelling.number)
        ).scalars().first()
        return dwelling.building_id, dwelling.id

    return live_server.query(find)


def _coach_records_visit_and_offers_handover(phone: Any, live_server: Any) -> dict[str, str]:
    building_id, dwelling_id = _free_door(live_server)
    page = phone("coach@buurtpad.test")
    assert "Mijn flats" in page.content()
    assert_fits_phone(page)
    screenshot(page, "coach-01-home")
    page.click("summary:has-text('Menu')")
    assert page.is_visible("nav a:has-text('Vandaag')")
    assert_fits_phone(page)
    screenshot(page, "coach-01-menu")
    page.keyboard.press("Escape")

    page.goto("/buildings")
    page.click(f"a[href='/buildings/{building_id}']")
    page.wait_for_url(f"**/buildings/{building_id}")
    assert_fits_phone(page)
    screenshot(page, "coach-02-building")
    page.click(f"a[href='/dwellings/{dwelling_id}']")
    page.wait_for_url(f"**/dwellings/{dwelling_id}")
    assert_fits_phone(page)

    # The conversation at the door: talked, a new resident, themes as chips, open a case.
    page.check("input[name=outcome][value=talked]")
    page.check("input[name=resident][value=new]")
    if not page.is_visible("input[name=new_resident_name]"):
        page.click("summary:has-text('Nieuwe bewoner')")
    page.fill("input[name=new_resident_name]", NAME)
    page.fill("input[name=new_resident_birth_year]", "1957")
    unfold(page)
    page.check("input[name=themes][value=finances]")
    page.check("input[name=themes][value=loneliness]")
    page.check("input[name=offers][value=cooking]")
    page.check("input[name=willingness][value='2']")
    page.fill("textarea[name=notes]", "Vriendelijk gesprek, wil graag koken in de Buurtkamer.")
    page.check("input[name=open_case]")
    screenshot(page, "coach-03-visit-form")
    page.click("button:has-text('Bezoek opslaan')")
    page.wait_for_url("**/residents/*")
    resident_url = page.url.split("#")[0]
    shows(page, "Bezoek vastgelegd en traject geopend.")
    assert NAME in page.content()

    # The case moves on with exactly the coach's triggers.
    page.click("button:has-text('Start verkennen')")
    shows(page, "Traject: Verkennen.")
    page.click("a:has-text('Hulpvraag opschrijven')")
    page.fill("textarea[name=text]", HELP_QUESTION)
    assert page.is_checked("input[name=themes][value=finances]")  # from the door
    page.check("input[name=themes][value=daily_administration]")
    page.click("button:has-text('Opslaan, nog niet klaar')")
    shows(page, "Hulpvraag opgeslagen.")
    page.click("button:has-text('Hulpvraag staat')")
    shows(page, "Traject: Hulpvraag geformuleerd.")

    # Consent at the kitchen table: nothing pre-ticked, the notice version shown.
    page.click("a:has-text('Toestemming vastleggen')")
    page.wait_for_url("**/consents/new")
    assert page.locator("input[name=data_categories]:checked").count() == 0
    assert "versie 2026-01" in page.content()
    page.check("input[name=purpose][value=warm_handover]")
    page.select_option("select[name=recipient_organization_id]", label="Buurtteam Overvecht")
    for category in ("identity", "contact", "help_question"):
        page.check(f"input[name=data_categories][value={category}]")
    page.check("input[name=method][value=verbal]")
    page.check("input[name=notice_shown]")
    assert_fits_phone(page)
    screenshot(page, "coach-04-consent")
    page.click("button:has-text('De bewoner geeft toestemming')")
    shows(page, "Toestemming vastgelegd: Gegeven.")

    # The warm handover, offered at once.
    page.click("a:has-text('Warme overdracht voorbereiden')")
    page.select_option("select[name=organization_id]", label="Buurtteam Overvecht")
    for category in ("identity", "contact", "help_question"):
        page.check(f"input[name=data_categories][value={category}]")
    page.fill("textarea[name=note]", "Graag samen kennismaken in de Buurtkamer.")
    page.click("button:has-text('Opslaan en aanbieden')")
    page.wait_for_url("**/handovers/*")
    shows(page, "Overdracht aangeboden aan Buurtteam Overvecht.")
    handover_url = page.url
    screenshot(page, "coach-05-handover-offered")

    page.goto(resident_url)
    assert "Doorverwezen" in page.content()
    assert_fits_phone(page)
    screenshot(page, "coach-06-resident")
    page.goto("/today")
    assert_fits_phone(page)
    screenshot(page, "coach-07-today")
    return {"resident": resident_url, "handover": handover_url}


def _professional_completes(phone: Any, handover_url: str) -> None:
    page = phone("buurtteam@buurtpad.test")
    assert "Overdrachten voor Buurtteam Overvecht" in page.content()
    page.goto("/handovers")
    assert_fits_phone(page)
    screenshot(page, "professional-01-inbox")
    assert NAME in page.content()  # identity is released: the gateway decided, and logged
    page.goto(handover_url)
    content = page.content()
    assert NAME in content and HELP_QUESTION in content  # released categories
    assert "Vriendelijk gesprek" not in content  # living situation was not released
    assert_fits_phone(page)
    screenshot(page, "professional-02-handover")

    page.click("button:has-text('Accepteren')")
    shows(page, "Overdracht: Geaccepteerd.")
    page.click("summary:has-text('Kennismaking plannen')")
    intro = (date.today() + timedelta(days=2)).isoformat() + "T10:30"
    page.fill("#handover-schedule_intro-intro_at", intro)
    page.fill("#handover-schedule_intro-place", "Buurtkamer Overvecht")
    page.click("details[open] button:has-text('Kennismaking plannen')")
    shows(page, "Overdracht: Kennismaking gepland.")
    # Planned in two days: recording it now asks to confirm that it already took place.
    page.click("summary:has-text('Kennismaking heeft plaatsgevonden')")
    page.check("#handover-record_intro-confirmed")
    page.click("details[open] button:has-text('Kennismaking heeft plaatsgevonden')")
    shows(page, "Overdracht: Kennismaking gehouden.")
    page.click("button:has-text('Hulp is gestart')")
    shows(page, "Overdracht: Afgerond.")
    assert_fits_phone(page)
    screenshot(page, "professional-03-completed")


def _privacy_officer_checks(phone: Any) -> None:
    page = phone("privacy@buurtpad.test")
    screenshot(page, "privacy-01-home")
    page.goto("/privacy/processing-log")
    page.select_option("select[name=action]", value="read_handover")
    page.click("button:has-text('Filteren')")
    page.wait_for_url("**action=read_handover**")
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 1
    assert "Buurtteam Overvecht" in rows.first.inner_text()
    assert "Toegestaan" in rows.first.inner_text()
    assert NAME not in page.content()  # the log holds pseudonymous ids only
    assert_fits_phone(page)
    screenshot(page, "privacy-02-processing-log")
    page.goto("/privacy/verify")
    page.click("button:has-text('Logboeken nu controleren')")
    shows(page, "Alle logboeken zijn intact.")
    screenshot(page, "privacy-03-verified")
    for url, name in (("/privacy/consents", "privacy-04-consents"),
                      ("/privacy/reviews", "privacy-05-reviews"),
                      ("/privacy/audit-events", "privacy-06-audit-events")):
        page.goto(url)
        assert_fits_phone(page)
        screenshot(page, name)


def test_whole_path_at_phone_size(phone, live_server):
    urls = _coach_records_visit_and_offers_handover(phone, live_server)
    _professional_completes(phone, urls["handover"])
    _privacy_officer_checks(phone)
    page = phone("coach@buurtpad.test")
    page.goto(urls["resident"])
    assert "Ondersteund" in page.content()  # the case followed the handover
    # Scope: coach 2 cannot open coach 1's resident; Schuldhulp cannot open Buurtteam's handover.
    other_coach = phone("coach2@buurtpad.test")
    assert other_coach.goto(urls["resident"]).status == 404
    assert NAME not in other_coach.content()
    schuldhulp = phone("schuldhulp@buurtpad.test")
    assert schuldhulp.goto(urls["handover"]).status == 404
    assert NAME not in schuldhulp.content()


@pytest.mark.parametrize("email,urls", [
    ("coordinator@buurtpad.test", ["/", "/admin/escalations", "/admin/users",
                                   "/admin/organizations", "/admin/buildings", "/workflows/case"]),
    ("coach2@buurtpad.test", ["/", "/today", "/cases", "/buildings", "/handovers"]),
    ("schuldhulp@buurtpad.test", ["/", "/handovers?group=all", "/workflows/handover"]),
])
def test_main_pages_fit_a_phone(phone, email, urls):
    page = phone(email)
    role = email.split("@")[0]
    for number, url in enumerate(urls, start=1):
        response = page.goto(url)
        assert response.status == 200, url
        assert_fits_phone(page)
        screenshot(page, f"{role}-{number:02d}-{url.strip('/').replace('/', '-') or 'home'}"
                         .replace("?", "-").replace("=", "-"))


def test_pages_outside_the_role_are_refused(phone):
    page = phone("schuldhulp@buurtpad.test")
    assert page.goto("/buildings").status == 403
    assert page.goto("/privacy/processing-log").status == 403
    assert "Niet toegestaan" in page.content()
