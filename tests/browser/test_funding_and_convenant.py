"""A funder's account and the convenant register in a real browser at phone size, in Dutch:
the coordinator opens the municipality's account of the demo's coach funding (its key
figures, a chart and a table per part, no resident named), switches to a quarter and opens
the printable account; the privacy officer adds the municipality as a party to the demo
convenant and sees it listed. Every page fits 360 px, is Dutch, and logs no error in the
console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import shows
from tests.browser.test_connection_and_insight import Phones

pytestmark = pytest.mark.browser


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


def test_coordinator_opens_the_municipalitys_account(phones, live_server):
    page = phones.open("coordinator@buurtpad.test")
    _open_from_menu(page, "Financieringsstromen")
    page.wait_for_url("**/funding")
    shows(page, "Financieringsstromen")
    assert page.locator("ul.rows > li").count() == 3
    phones.check(page, "funding-01-streams")

    page.click("main a:has-text('Flatcoaches Overvecht')")
    page.wait_for_url(re.compile(r".*/funding/\d+$"))
    shows(page, "Flatcoaches die zij betaalt")
    shows(page, "Tigrisdreef")
    phones.check(page, "funding-02-stream")

    page.click("main a.button:has-text('Verantwoording aan de financier')")
    page.wait_for_url("**/account")
    shows(page, "Verantwoording aan Gemeente Utrecht")
    shows(page, "Kerncijfers")
    figures = page.locator("section[aria-labelledby=figures] dl.facts")
    assert "Aangebeld" in figures.inner_text()
    knocked = figures.locator("dt:has-text('Aangebeld') + dd").inner_text().strip()
    assert re.fullmatch(r"\d[\d.]*", knocked), knocked  # a number, large enough to show
    assert int(knocked.replace(".", "")) > 100
    parts = page.locator("section.insight-panel")
    assert parts.count() == 4  # doors, help questions, handovers, check-ins
    assert page.locator("section#part-outreach svg.bar-svg").count() == 4  # one per building
    page.click("section#part-outreach summary:has-text('Tabel')")
    table = page.locator("section#part-outreach table.data")
    assert "Ankaradreef" in table.inner_text()
    body = page.locator("body").inner_text()
    assert not [name for name in _resident_names(live_server) if name in body]
    phones.check(page, "funding-03-account")

    quarter = page.locator("select[name=period] option[value*='-Q']").first
    page.select_option("select[name=period]", quarter.get_attribute("value"))
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/account?period=*")
    shows(page, "Kerncijfers")
    phones.check(page, "funding-04-account-period")

    page.click("main a.button:has-text('Verantwoording om te printen')")
    page.wait_for_url("**/account/print?period=*")
    shows(page, "Afdrukken of opslaan als pdf")
    shows(page, "noemt geen bewoner")
    assert page.locator("article section.insight-panel").count() == 4
    assert page.locator("article details").count() == 0  # every table unfolded
    phones.check(page, "funding-05-account-print")


def test_privacy_officer_adds_a_party_to_the_demo_convenant(phones, live_server):
    page = phones.open("privacy@buurtpad.test")
    _open_from_menu(page, "Convenanten")
    page.wait_for_url("**/privacy/convenants")
    page.click("main ul.rows a")
    page.wait_for_url(re.compile(r".*/privacy/convenants/[0-9a-f-]{36}$"))
    assert "Gemeente Utrecht" not in page.locator("section[aria-labelledby=parties]").inner_text()
    phones.check(page, "convenant-01-parties")

    page.click("summary:has-text('Partij toevoegen')")
    page.select_option("select[name=organization_id]", label="Gemeente Utrecht")
    page.fill("input[name=role]", "Financier: ontvangt alleen de verantwoording")
    page.fill("input[name=contact]", "privacy@utrecht.example")
    page.fill("input[name=joined_on]", "2026-01-01")
    phones.check(page, "convenant-02-add-party")
    page.click("form[action$='/parties'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/privacy/convenants/[0-9a-f-]{36}$"))
    shows(page, "De organisatie is partij bij het convenant.")
    listed = page.locator(
        "section[aria-labelledby=parties] ul.rows > li:has-text('Gemeente Utrecht')")
    assert listed.count() == 1
    assert "Financier: ontvangt alleen de verantwoording" in listed.inner_text()
    assert "privacy@utrecht.example" in listed.inner_text()
    assert "01-01-2026" in listed.inner_text()
    phones.check(page, "convenant-03-party-added")
