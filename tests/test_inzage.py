"""The resident's access report (inzage, GDPR Art. 15) as a page to print: in Dutch, every part
of the JSON export and every datum in it, codes as words, and who saw or received the data —
grouped per day, organisation and purpose, professionals by role and organisation only.
Showing it is logged like the export."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.db import db
from app.handovers.reading import read_handover
from app.privacy.access import EXPORT_META, EXPORT_SECTIONS
from app.visits.operations import record_visit
from policies import DataCategory
from tests import factories
from tests.web import login, text

TEXTS = {
    "visit": "Praatte over het kapotte trappenhuis",
    "question": "Ik wil hulp bij het aanvragen van huurtoeslag",
    "household": "Woont met twee kleinkinderen",
    "living": "Veel lawaai van de galerij",
    "finances": "Schuld bij de woningcorporatie",
    "health": "Loopt moeilijk sinds de operatie",
    "safety": "Voelt zich niet veilig in de lift",
    "coach": "Afspraak op dinsdagochtend",
    "handover": "Graag bellen in de ochtend",
}


@pytest.fixture
def rich(world: Any) -> dict[str, Any]:
    """A resident with data in every category: a visit, a case with every note, a help
    question, consents, and a handover to the buurtteam that its professional has read."""
    resident = world.resident
    record_visit(world.coach, world.dwelling, {
        "resident_id": resident.id, "outcome": "talked", "themes": ["housing", "loneliness"],
        "offers": ["cooking"], "wishes": ["company"], "willingness": 2,
        "notes": TEXTS["visit"]})
    case = factories.create_formulated_case(resident, world.coach, text=TEXTS["question"],
                                            themes=("finances",))
    case.household_notes = TEXTS["household"]
    case.household_size = 3
    case.living_situation_notes = TEXTS["living"]
    case.finances_notes = TEXTS["finances"]
    case.health_notes = TEXTS["health"]
    case.safety_notes = TEXTS["safety"]
    case.coach_notes = TEXTS["coach"]
    factories.create_consent_in_state(resident, world.coach, world.schuldhulp, ["finances"],
                                      state="withdrawn")
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         professional=world.professional)
    handover.note = TEXTS["handover"]
    read_handover(world.professional, handover)
    db.session.commit()
    return {"case": case, "handover": handover}


def _inzage(http_app: Any, world: Any) -> str:
    officer = login(http_app, world.privacy_officer)
    response = officer.get(f"/privacy/residents/{world.resident.id}/inzage")
    assert response.status_code == 200
    return unescape(text(response))


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else None]


def test_the_inzage_holds_every_part_and_every_text_of_the_json(http_app, world, rich):
    officer = login(http_app, world.privacy_officer)
    exported = json.loads(text(officer.post(f"/privacy/residents/{world.resident.id}/export")))
    html = _inzage(http_app, world)
    # Every part of the export has its section on the page, and no part is left out.
    assert set(exported) - set(EXPORT_META) == set(EXPORT_SECTIONS)
    for part, section_id in EXPORT_SECTIONS.items():
        assert f'id="{section_id}"' in html, part
    # Every data category has its heading, and every free text held is on the page.
    for category in DataCategory:
        assert f'id="category-{category.value}"' in html
        assert category.label_nl in html
    for value in TEXTS.values():
        assert value in html, value
    person = exported["resident"]
    for value in (person["display_name"], person["phone"], str(person["birth_year"]),
                  *person["languages"], person["address"]["building"]):
        assert value in _section(html, EXPORT_SECTIONS["resident"]), value
    # Codes are words: themes, offers, states, purposes.
    for word in ("Wonen", "Eenzaamheid", "Koken", "Gezelschap", "Warme overdracht",
                 "Ingetrokken", "Aangeboden"):
        assert word in html, word
    for code in ("housing", "loneliness", "warm_handover", "read_handover", "offer_handover"):
        assert not re.search(rf"\b{code}\b", _section(html, "access-log")), code


def test_the_access_log_shows_the_professional_who_read_the_handover(http_app, world, rich):
    html = _inzage(http_app, world)
    log = _section(html, "access-log")
    assert "Overdracht ingezien" in log
    assert f"Professional, {world.buurtteam.name}" in log
    assert "Uw toestemming" in log
    # Role and organisation, never a name.
    report = html[html.index('<article class="inzage">'):html.index("</article>")]
    for user in (world.professional, world.coach, world.privacy_officer):
        assert user.name not in report
    assert "Wat Buurtpad over u bewaart" in html


def test_showing_the_inzage_is_logged_like_the_export(http_app, world, rich):
    _inzage(http_app, world)
    [entry] = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.action == "export",
        ProcessingLogEntry.data_subject_id == str(world.resident.id))).scalars().all()
    assert entry.processing_activity == "data_subject_request"
    assert entry.decision == "allowed"
    assert entry.actor_role == "privacy_officer"


def test_the_access_log_groups_per_day_organisation_and_purpose(ctx, world, rich):
    from app.privacy.access import access_log

    for _ in range(3):
        read_handover(world.professional, rich["handover"])
    entries = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.data_subject_id == str(world.resident.id))
        .order_by(ProcessingLogEntry.seq)).scalars().all()
    names = {world.buurtteam.id: world.buurtteam.name, world.welzijn.id: world.welzijn.name}
    groups = access_log(entries, names)
    reading = [g for g in groups if "read_handover" in g.actions]
    assert len(reading) == 1
    [group] = reading
    assert group.actions["read_handover"] == 4
    assert group.organization == world.buurtteam.name
    assert group.roles == ["professional"] and group.under_consent
    offering = next(g for g in groups if "offer_handover" in g.actions)
    assert offering.organization == world.welzijn.name
    assert offering.recipients == [world.buurtteam.name]


@pytest.mark.parametrize("role", ["flatcoach", "professional", "coordinator"])
def test_only_the_privacy_officer_sees_the_inzage(http_app, world, rich, role):
    client = login(http_app, world.user(role))
    assert client.get(f"/privacy/residents/{world.resident.id}/inzage").status_code == 403
    assert db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.action == "export")).first() is None


def test_unknown_resident_has_no_inzage(http_app, world):
    officer = login(http_app, world.privacy_officer)
    assert officer.get("/privacy/residents/00000000-0000-0000-0000-000000000000/inzage"
                       ).status_code == 404
