"""The door's and the resident's pages give back what the household said: the latest
conversation's answers in Dutch, a compact history of the earlier ones, a timeline that names
what was said, and the next conversation's form starting from the last answers. The door
form fits a thumb (a short first screen, the rest in sections that open, an error summary at
the top), and a "nobody home" tapped by mistake is taken back shortly after, by its coach."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.buildings.models import CoachAssignment
from app.db import db, utcnow
from app.visits.models import Visit
from app.visits.operations import TAKE_BACK_WINDOW, record_visit
from tests.web import login, text


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def talk(world, when=None, **answers):
    visit = record_visit(world.coach, world.dwelling,
                         {"outcome": "talked", "resident_id": world.resident.id, **answers})
    if when is not None:
        visit.visited_at = when
    db.session.commit()
    return visit


def kept(visit) -> bool:
    return db.session.execute(select(Visit.id).where(Visit.id == visit.id)).first() is not None


def checked(html: str, name: str) -> set[str]:
    """The values of the inputs named `name` that the page shows ticked."""
    found = set()
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            found.add(re.search(r'value="([^"]*)"', tag).group(1))
    return found


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start:html.index("</section>", start)]


def test_the_door_page_gives_back_the_latest_conversation_in_dutch(coach, world):
    talk(world, when=utcnow() - timedelta(days=30), themes=["housing"], offers=["gardening"])
    talk(world, themes=["finances", "loneliness"], offers=["cooking"], wishes=["company"],
         willingness=2, household_size=3, notes="Kookt graag voor de buren.")
    said = section(text(coach.get(f"/dwellings/{world.dwelling.id}")), "said")
    assert "Wat de vorige keer gezegd is" in said
    latest = said[:said.index("Eerdere gesprekken")]
    for shown in ("Geld", "Eenzaamheid", "Koken", "Gezelschap", "Wil meedoen", "Ja",
                  "Grootte van het huishouden", "3", "Kookt graag voor de buren.",
                  f"met {world.resident.display_name}"):
        assert shown in latest, shown
    assert "Wonen" not in latest and "loneliness" not in latest
    earlier = said[said.index("Eerdere gesprekken"):]
    assert "thema&#39;s: Wonen" in earlier or "thema's: Wonen" in earlier
    assert "biedt: Tuinieren" in earlier


def test_the_next_conversation_starts_from_the_last_answers(coach, world):
    world.dwelling.household_size = 4
    talk(world, themes=["finances"], offers=["cooking"], wishes=["company"], willingness=1,
         household_size=4, notes="Eerste gesprek.")
    html = text(coach.get(f"/dwellings/{world.dwelling.id}"))
    form = html[html.index('data-offline-kind="visit"'):]
    assert checked(form, "themes") == {"finances"}
    assert checked(form, "offers") == {"cooking"}
    assert checked(form, "wishes") == {"company"}
    assert checked(form, "willingness") == {"1"}
    assert checked(form, "resident") == {str(world.resident.id)}
    assert re.search(r'name="household_size"[^>]*value="4"', form)
    # The notes are this visit's own: they start empty (the last ones are shown above).
    assert re.search(r'<textarea[^>]*name="notes"[^>]*>\s*</textarea>', form)
    assert "zoals de vorige keer, pas aan wat veranderd is" in form


def test_a_door_without_a_conversation_starts_empty(coach, world):
    record_visit(world.coach, world.dwelling, {"outcome": "not_home"})
    db.session.commit()
    html = text(coach.get(f"/dwellings/{world.dwelling.id}"))
    assert 'id="said"' not in html
    form = html[html.index('data-offline-kind="visit"'):]
    assert checked(form, "themes") == set() and checked(form, "willingness") == set()


def test_the_resident_page_gives_back_what_they_told_and_the_timeline_names_it(coach, world):
    talk(world, when=utcnow() - timedelta(days=10), themes=["housing"])
    talk(world, themes=["finances"], offers=["technology"], willingness=3,
         notes="Wil de buurtkamer helpen opzetten.")
    html = text(coach.get(f"/residents/{world.resident.id}"))
    said = section(html, "said")
    assert "Wat de bewoner aan de deur vertelde" in said
    assert "Computers en telefoons" in said and "Ja, en wil helpen organiseren" in said
    assert "Eerdere gesprekken" in said and "Wonen" in said
    timeline = html[html.index("Tijdlijn"):]
    assert "Bezoek:" in timeline and "Gesproken" in timeline
    assert "thema's: Geld" in timeline.replace("&#39;", "'")
    assert "biedt: Computers en telefoons" in timeline
    assert "Wil de buurtkamer helpen opzetten." in timeline


def test_what_was_said_is_shown_only_to_the_coaches_of_the_building(http_app, world):
    talk(world, themes=["finances"])
    for user in (world.other_coach, world.professional, world.coordinator,
                 world.privacy_officer):
        client = login(http_app, user)
        assert client.get(f"/residents/{world.resident.id}").status_code in (403, 404)
        assert client.get(f"/dwellings/{world.dwelling.id}").status_code in (403, 404)


def test_the_door_form_opens_short_with_the_rest_in_sections(coach, world):
    html = text(coach.get(f"/dwellings/{world.dwelling.id}"))
    form = html[html.index('data-offline-kind="visit"'):html.index("</form>", html.index(
        'data-offline-kind="visit"'))]
    first_screen = form[:form.index("<details")]
    assert 'name="outcome"' in first_screen and 'name="resident"' in first_screen
    assert 'name="themes"' not in first_screen and 'name="notes"' not in first_screen
    assert re.search(r'<details class="more" id="section-answers">', form)
    assert re.search(r'<details class="more" id="section-household">', form)


def error_summary(response) -> str:
    html = text(response)
    start = html.index('id="error-summary"')
    assert start < html.index("○ Niet thuis")  # at the top, above the buttons and the form
    return html[start - 120:html.index("</div>", start)]


def test_a_missing_name_is_summarised_at_the_top_with_a_link_and_the_focus(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "talked", "resident": "new", "new_resident_name": " "})
    assert response.status_code == 422
    summary = error_summary(response)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert "Nog niet opgeslagen" in summary
    assert 'href="#new_resident_name"' in summary
    assert "Geef de naam" in summary


def test_an_error_in_a_folded_section_opens_it_and_links_to_it(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "talked", "resident": str(world.resident.id), "household_size": "99",
        "themes": ["finances"]})
    assert response.status_code == 422
    assert 'href="#household_size"' in error_summary(response)
    html = text(response)
    assert '<details class="more" id="section-household" open>' in html
    assert checked(html, "themes") == {"finances"}  # what was ticked stays ticked


def test_nobody_home_is_confirmed_with_an_undo_that_takes_it_back(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/not-home")
    assert response.status_code == 302
    visit = db.session.execute(select(Visit).where(Visit.dwelling_id == world.dwelling.id)
                               ).scalar_one()
    page = text(coach.get(response.headers["Location"]))
    bar = page[page.index('id="just-recorded"'):]
    assert f"Vastgelegd: niemand thuis op {world.dwelling.address}." in bar
    assert f'action="/visits/{visit.id}/take-back"' in bar and "Ongedaan maken" in bar
    # Shown once: the next look at the building has moved on.
    assert 'id="just-recorded"' not in text(coach.get(response.headers["Location"]))

    undone = coach.post(f"/visits/{visit.id}/take-back")
    assert undone.status_code == 302
    assert not kept(visit)
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "visit_taken_back")).scalar_one()
    assert (event.object_id, event.actor_id) == (str(visit.id), world.coach.id)
    assert "Teruggenomen" in text(coach.get(undone.headers["Location"]))


def test_nobody_home_can_be_taken_back_only_within_the_window(coach, world):
    visit = record_visit(world.coach, world.dwelling, {"outcome": "not_home"})
    visit.visited_at = utcnow() - TAKE_BACK_WINDOW - timedelta(seconds=5)
    db.session.commit()
    response = coach.post(f"/visits/{visit.id}/take-back")
    assert response.status_code == 422
    assert "kan niet meer worden teruggenomen" in text(response)
    assert kept(visit)
    visit.visited_at = utcnow() - TAKE_BACK_WINDOW + timedelta(seconds=30)
    db.session.commit()
    assert coach.post(f"/visits/{visit.id}/take-back").status_code == 302


def test_only_a_nobody_home_is_taken_back(coach, world):
    visit = talk(world, themes=["finances"])
    response = coach.post(f"/visits/{visit.id}/take-back")
    assert response.status_code == 422
    assert kept(visit)


def test_someone_elses_visit_is_404(http_app, coach, world):
    # Another coach of the same building: the visit is theirs to take back, not this coach's.
    db.session.add(CoachAssignment(user_id=world.other_coach.id,
                                   building_id=world.building.id))
    theirs = record_visit(world.other_coach, world.dwelling, {"outcome": "not_home"})
    elsewhere = record_visit(world.other_coach, world.other_dwelling, {"outcome": "not_home"})
    db.session.commit()
    for visit in (theirs, elsewhere):
        assert coach.post(f"/visits/{visit.id}/take-back").status_code == 404
        assert kept(visit)
    assert coach.post("/visits/00000000-0000-0000-0000-000000000000/take-back"
                      ).status_code == 404


def test_answers_count_only_for_a_conversation(coach, world):
    talk(world, themes=["finances"], willingness=2)
    # The form starts from those answers; the coach records that they should come back.
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "revisit", "resident": str(world.resident.id), "themes": ["finances"],
        "willingness": "2", "notes": "Komt morgen beter uit."})
    assert response.status_code == 302
    later = db.session.execute(select(Visit).where(Visit.outcome == "revisit")).scalar_one()
    assert (later.themes, later.willingness, later.notes) == ([], None, "Komt morgen beter uit.")
