"""A resident at phone size, from the coach's letter to their own page: the QR code's address
fills the number and code, they choose a PIN, see their consents and that the buurtteam read
their handover, withdraw the consent (its handover is withdrawn), and their coach hears of it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import PHONE, assert_fits_phone, screenshot, shows

pytestmark = pytest.mark.browser

PIN = "480613"


def _offered_to_buurtteam(live_server: Any) -> tuple[str, str, str]:
    """A demo handover of coach 1 to the buurtteam, still going (other browser tests move
    some of them on): (handover, resident, consent)."""
    from app.auth.models import User
    from app.cases.models import Case
    from app.db import db
    from app.handovers.models import Handover
    from app.organizations.models import Organization

    def find() -> tuple[str, str, str]:
        coach = select(User.id).where(User.email == "coach@buurtpad.test").scalar_subquery()
        row = db.session.execute(
            select(Handover.id, Case.resident_id, Handover.consent_id)
            .join(Case, Case.id == Handover.case_id)
            .join(Organization, Organization.id == Handover.organization_id)
            .where(Handover.state.in_(("offered", "accepted", "intro_scheduled")),
                   Organization.name == "Buurtteam Overvecht",
                   Handover.consent_id.is_not(None), Case.coach_id == coach)
            .order_by(Handover.offered_at.desc())).first()
        assert row is not None, "the demo has no handover of coach 1 offered to the buurtteam"
        return str(row[0]), str(row[1]), str(row[2])

    return live_server.query(find)


def test_a_resident_opens_their_page_and_withdraws_a_consent(browser, phone, live_server):
    handover_id, resident_id, consent_id = _offered_to_buurtteam(live_server)
    professional = phone("buurtteam@buurtpad.test")
    professional.goto(f"/handovers/{handover_id}")  # a read the resident will see

    coach = phone("coach@buurtpad.test")
    coach.goto(f"/residents/{resident_id}/own-page")
    assert_fits_phone(coach)
    screenshot(coach, "resident-page-01-coach")
    coach.click("button:has-text('Brief maken')")
    shows(coach, "Uw eigen pagina bij Buurtpad")
    screenshot(coach, "resident-page-02-letter")
    letter = coach.locator("article.letter").inner_text()
    number = re.search(r"Uw nummer: (\d{10})", letter).group(1)
    code = re.search(r"Uw code: ([A-Z-]{14})", letter).group(1)
    assert coach.locator("article.letter svg").count() == 1  # the QR code

    context = browser.new_context(viewport=PHONE, locale="nl-NL", base_url=live_server.url)
    errors: list[str] = []
    resident = context.new_page()
    resident.on("console", lambda message: errors.append(message.text)
                if message.type == "error" else None)
    # What the QR code opens: the code rides after "#", never sent to the server.
    resident.goto(f"/mijn/activeren#n={number}&c={code}")
    assert resident.input_value("#account_number") == number
    assert resident.input_value("#code") == code
    assert "#" not in resident.url
    assert_fits_phone(resident)
    screenshot(resident, "resident-page-03-activate")
    resident.fill("#pin", PIN)
    resident.fill("#pin_again", PIN)
    resident.click("main button[type=submit]")
    shows(resident, "Welkom. Voortaan logt u in met uw nummer en uw pincode.")
    shows(resident, "Uw toestemmingen")
    shows(resident, "Buurtteam Overvecht")
    who = resident.locator("#who-saw").inner_text()
    assert "Buurtteam Overvecht" in who and "Professional" in who
    assert_fits_phone(resident)
    screenshot(resident, "resident-page-04-home")

    resident.click(f"a[href='/mijn/toestemming/{consent_id}/intrekken']")
    shows(resident, "Uw toestemming intrekken?")
    assert_fits_phone(resident)
    screenshot(resident, "resident-page-05-withdraw")
    resident.click("button:has-text('Ja, intrekken')")
    shows(resident, "Uw toestemming is ingetrokken. Uw flatcoach weet het.")
    screenshot(resident, "resident-page-06-withdrawn")

    def states() -> tuple[str, str]:
        from app.consent.models import Consent
        from app.db import db
        from app.handovers.models import Handover

        return (db.session.get(Handover, uuid.UUID(handover_id)).state,
                db.session.get(Consent, uuid.UUID(consent_id)).state)

    handover_state, _consent_state = live_server.query(states)
    assert handover_state == "withdrawn"

    coach.goto("/notifications")
    shows(coach, "Een bewoner trok een toestemming in op de eigen pagina")
    screenshot(coach, "resident-page-07-coach-told")

    assert not errors, errors
    # Everything else is out of reach for the resident's session.
    assert resident.goto(f"/residents/{resident_id}").status == 404
    assert resident.goto("/today").status == 404
    resident.goto("/mijn")
    resident.click("button:has-text('Uitloggen')")
    shows(resident, "U bent uitgelogd.")
    context.close()
