"""The loop closes in the browser at phone size: when the buurtteam professional accepts a
handover, the coach's unread count rises in the header, the inbox says what happened in Dutch
with the resident's name (for the coach only), and one tap opens the handover."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_fits_phone, screenshot, shows

pytestmark = pytest.mark.browser


def _offered_to_buurtteam(live_server: Any) -> tuple[str, str]:
    """A demo handover of coach 1 waiting for the buurtteam's answer: (id, resident name)."""
    from app.auth.models import User
    from app.cases.models import Case
    from app.db import db
    from app.handovers.models import Handover
    from app.organizations.models import Organization
    from app.residents.models import Resident

    def find() -> tuple[str, str]:
        coach = select(User.id).where(User.email == "coach@buurtpad.test").scalar_subquery()
        row = db.session.execute(
            select(Handover.id, Resident.display_name)
            .join(Case, Case.id == Handover.case_id).join(Resident, Resident.id == Case.resident_id)
            .join(Organization, Organization.id == Handover.organization_id)
            .where(Handover.state == "offered", Organization.name == "Buurtteam Overvecht",
                   Case.coach_id == coach)
            .order_by(Handover.offered_at.desc())).first()
        assert row is not None, "the demo has no handover of coach 1 offered to the buurtteam"
        return str(row[0]), row[1]

    return live_server.query(find)


def _unread(page: Any) -> int:
    badge = page.locator(".notifications-link .count")
    return int(badge.get_attribute("data-unread")) if badge.count() else 0


def test_the_coachs_unread_count_rises_when_the_professional_accepts(phone, live_server):
    handover_id, name = _offered_to_buurtteam(live_server)
    coach = phone("coach@buurtpad.test")
    before = _unread(coach)

    professional = phone("buurtteam@buurtpad.test")
    professional.goto(f"/handovers/{handover_id}")
    professional.click("button:has-text('Accepteren')")
    shows(professional, "Overdracht: Geaccepteerd.")

    coach.reload()
    assert _unread(coach) == before + 1
    assert_fits_phone(coach)
    screenshot(coach, "coach-notifications-01-count")
    coach.click(".notifications-link")
    coach.wait_for_url("**/notifications")
    first = coach.locator("ul.notifications li").first
    assert "unread" in (first.get_attribute("class") or "")
    assert f"{name}: Buurtteam Overvecht heeft de overdracht geaccepteerd" in first.inner_text()
    assert_fits_phone(coach)
    screenshot(coach, "coach-notifications-02-inbox")

    first.locator("button").click()
    coach.wait_for_url(f"**/handovers/{handover_id}")
    assert _unread(coach) == before
    screenshot(coach, "coach-notifications-03-handover")
