"""The Buurtkamer pages, Dutch first: the agenda per building, planning and changing an
activity, counting who came in one form, cancelling, and residents who organise — named
only while their consent allows it. Coordinators read every building and change nothing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.audit.models import ProcessingLogEntry
from app.buildings.models import CoachAssignment
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from tests import factories
from tests.web import login, text

BSN = "111222333"  # passes the eleven-test


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def local(days: float) -> str:
    """A start time as the coach types it in the form (Dutch time)."""
    moment = (utcnow() + timedelta(days=days)).astimezone(ZoneInfo("Europe/Amsterdam"))
    return moment.strftime("%Y-%m-%dT%H:%M")


def plan_form(world, **overrides):
    data = {"building_id": str(world.building.id), "title": "Samen koken",
            "theme": "cooking", "starts_at": local(4), "place": "Buurtkamer",
            "organising_coach_id": str(world.coach.id)}
    data.update(overrides)
    return data


def log_size() -> int:
    return db.session.execute(select(func.count()).select_from(ProcessingLogEntry)).scalar_one()


# --- the agenda ----------------------------------------------------------------------------

def test_the_agenda_shows_what_is_coming_and_what_took_place_in_dutch(coach, world):
    factories.create_activity(world.building, world.coach, title="Taalcafé", theme="language")
    factories.create_activity(world.building, world.coach, title="Buurtbingo",
                              days_from_now=-3, participant_count=14)
    factories.create_activity(world.building, world.coach, title="Klusochtend",
                              days_from_now=-1)
    factories.create_activity(world.building, world.coach, title="Voorleesmiddag",
                              days_from_now=-2, cancelled=True)
    factories.create_activity(world.other_building, world.other_coach, title="Elders")
    db.session.commit()

    response = coach.get("/buurtkamer")
    html = text(response)

    assert response.status_code == 200
    assert '<html lang="nl">' in html
    assert "Binnenkort" in html and "Geweest" in html
    assert "Taalcafé" in html and "Taal" in html
    assert "14 mensen kwamen" in html
    assert "Nog niet geteld" in html and "Opkomst noteren" in html
    assert "Ging niet door" in html and "Afgelast" in html
    assert "Elders" not in html
    assert "Activiteit plannen" in html
    assert " style=" not in html and "<script" not in html


def test_a_full_agenda_shows_the_first_fifty_coming_and_says_how_many_there_are(coach, world):
    for day in range(51):
        factories.create_activity(world.building, world.coach, title=f"Koffie {day}",
                                  days_from_now=1 + day)
    db.session.commit()

    html = text(coach.get("/buurtkamer"))

    assert "De eerste 50 van 51." in html
    assert "Koffie 49<" in html and "Koffie 50<" not in html


def test_an_empty_agenda_says_so_and_invites_planning(coach, world):
    html = text(coach.get(f"/buurtkamer?building={world.building.id}"))

    assert "Nog niets gepland." in html
    assert "Hier zijn nog geen activiteiten geweest." in html
    assert f"/buurtkamer/new?building={world.building.id}" in html


def test_a_coach_without_buildings_is_told_to_ask_the_coordinator(http_app, world):
    user = factories.create_user("flatcoach", world.welzijn)
    db.session.commit()
    newcomer = login(http_app, user)

    for url in ("/buurtkamer", "/buurtkamer/new"):
        html = text(newcomer.get(url))
        assert "Er zijn nog geen flats aan je toegewezen. Vraag het je coördinator." in html, url
    assert 'name="title"' not in text(newcomer.get("/buurtkamer/new"))
    response = newcomer.post("/buurtkamer/new", data=plan_form(world, building_id=""))
    assert response.status_code == 422
    assert db.session.execute(select(func.count(Activity.id))).scalar_one() == 0


def test_the_menu_leads_to_the_buurtkamer(coach, world):
    assert 'href="/buurtkamer"' in text(coach.get("/"))


def test_another_coachs_building_and_activity_are_404(coach, world):
    theirs = factories.create_activity(world.other_building, world.other_coach)
    db.session.commit()

    assert coach.get(f"/buurtkamer?building={world.other_building.id}").status_code == 404
    assert coach.get(f"/buurtkamer/{theirs.id}").status_code == 404
    assert coach.get(f"/buurtkamer/{theirs.id}/edit").status_code == 404
    assert coach.post(f"/buurtkamer/{theirs.id}/cancel").status_code == 404
    assert coach.get("/buurtkamer/99999999999").status_code == 404


def test_the_coordinator_reads_every_building_and_changes_nothing(http_app, world):
    mine = factories.create_activity(world.building, world.coach, title="Koffieochtend")
    factories.create_activity(world.other_building, world.other_coach, title="Taalcafé",
                              days_from_now=-1, participant_count=9)
    factories.create_organiser(mine, world.resident, world.coach)
    db.session.commit()
    coordinator = login(http_app, world.coordinator)

    html = text(coordinator.get("/buurtkamer"))
    assert "Koffieochtend" in html and "Taalcafé" in html and "9 mensen kwamen" in html
    assert "Alle flats" in html and world.other_building.name in html
    assert "Activiteit plannen" not in html and "Opkomst noteren" not in html
    page = text(coordinator.get(f"/buurtkamer/{mine.id}"))
    assert "Fatima El Amrani" in page  # named: her consent allows it
    assert "Niet langer organisator" not in page and "Activiteit aflassen" not in page
    assert "/consents/" not in page  # not whom or which consent
    assert coordinator.get("/buurtkamer/new").status_code == 403
    assert coordinator.post(f"/buurtkamer/{mine.id}/cancel").status_code == 403


@pytest.mark.parametrize("role", ["professional", "privacy_officer"])
def test_professionals_and_privacy_officers_have_no_buurtkamer(http_app, world, role):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    client = login(http_app, world.user(role))

    assert client.get("/buurtkamer").status_code == 403
    assert client.get(f"/buurtkamer/{activity.id}").status_code == 403
    assert 'href="/buurtkamer"' not in text(client.get("/"))


# --- planning and changing -----------------------------------------------------------------

def test_the_coach_plans_an_activity(coach, world):
    assert coach.get("/buurtkamer/new").status_code == 200

    response = coach.post("/buurtkamer/new", data=plan_form(world))

    assert response.status_code == 302
    activity = db.session.execute(select(Activity)).scalar_one()
    assert (activity.title, activity.theme, activity.organising_coach_id) == (
        "Samen koken", "cooking", world.coach.id)
    assert response.headers["Location"].endswith(f"/buurtkamer/{activity.id}")
    page = text(coach.get(f"/buurtkamer/{activity.id}"))
    assert "Activiteit gepland." in page and "Samen koken en eten" in page


def test_residents_may_organise_on_their_own(coach, world):
    coach.post("/buurtkamer/new", data=plan_form(world, organising_coach_id="residents"))

    activity = db.session.execute(select(Activity)).scalar_one()
    assert activity.organising_coach_id is None
    assert "Geen: bewoners organiseren het zelf" in text(coach.get(f"/buurtkamer/{activity.id}"))


def test_a_refused_plan_says_why_in_dutch_and_keeps_what_was_typed(coach, world):
    response = coach.post("/buurtkamer/new", data=plan_form(
        world, title=f"Verjaardag {BSN}", place="", starts_at=local(400), theme=""))
    html = text(response)

    assert response.status_code == 422
    assert "burgerservicenummer (BSN)" in html
    assert f"Verjaardag {BSN}" in html
    assert "Dit veld is verplicht." in html
    assert db.session.execute(select(func.count(Activity.id))).scalar_one() == 0

    response = coach.post("/buurtkamer/new", data=plan_form(world, starts_at=local(400)))
    assert response.status_code == 422
    assert "Plan een activiteit hoogstens een jaar vooruit." in text(response)


def test_planning_in_another_building_is_refused_at_the_field(coach, world):
    response = coach.post("/buurtkamer/new",
                          data=plan_form(world, building_id=str(world.other_building.id)))

    assert response.status_code == 422
    assert "Kies een van je flats." in text(response)


def test_the_coach_changes_an_activity(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    form = text(coach.get(f"/buurtkamer/{activity.id}/edit"))
    assert 'value="Koffieochtend"' in form

    response = coach.post(f"/buurtkamer/{activity.id}/edit", data=plan_form(
        world, title="Koffie en een praatje", place="Speeltuin", theme="meeting"))

    assert response.status_code == 302
    db.session.refresh(activity)
    assert (activity.title, activity.place) == ("Koffie en een praatje", "Speeltuin")


def test_an_activity_noted_long_ago_keeps_its_date_while_its_title_is_corrected(coach, world):
    activity = factories.create_activity(world.building, world.coach, title="Taalcfae",
                                         days_from_now=-45, participant_count=6)
    db.session.commit()
    shown = activity.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    form = text(coach.get(f"/buurtkamer/{activity.id}/edit"))
    assert f'value="{shown:%Y-%m-%dT%H:%M}"' in form

    response = coach.post(f"/buurtkamer/{activity.id}/edit", data=plan_form(
        world, title="Taalcafé", theme="meeting", starts_at=f"{shown:%Y-%m-%dT%H:%M}"))

    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.title == "Taalcafé"
    assert activity.starts_at == shown  # not even the seconds the form does not show

    moved = coach.post(f"/buurtkamer/{activity.id}/edit",
                       data=plan_form(world, theme="meeting", starts_at=local(-50)))
    assert moved.status_code == 422
    assert "tot een maand nadat die plaatsvond" in text(moved)


# --- who came, cancelling ------------------------------------------------------------------

def test_who_came_is_one_number_in_one_form(coach, world):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-1)
    db.session.commit()
    page = text(coach.get(f"/buurtkamer/{activity.id}"))
    assert 'name="participant_count"' in page and 'inputmode="numeric"' in page

    response = coach.post(f"/buurtkamer/{activity.id}/participation",
                          data={"participant_count": "17"})

    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.participant_count == 17
    assert "17 mensen kwamen" in text(coach.get(f"/buurtkamer/{activity.id}"))


@pytest.mark.parametrize(("value", "message"), [
    ("", "Vul in hoeveel mensen er kwamen."),
    ("-3", "Vul een getal in tussen 0 en 500."),
    ("Fatima en Henk", "Ongeldig getal."),
])
def test_who_came_refuses_anything_but_a_number(coach, world, value, message):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-1)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/participation",
                          data={"participant_count": value})

    assert response.status_code == 422
    assert message in text(response)
    db.session.refresh(activity)
    assert activity.participant_count is None


def test_who_came_waits_until_the_activity_has_started(coach, world):
    activity = factories.create_activity(world.building, world.coach, days_from_now=2)
    db.session.commit()
    assert 'name="participant_count"' not in text(coach.get(f"/buurtkamer/{activity.id}"))

    response = coach.post(f"/buurtkamer/{activity.id}/participation",
                          data={"participant_count": "5"})

    assert response.status_code == 422
    assert "zodra de activiteit begonnen is" in text(response)


def test_cancelling_keeps_it_in_the_agenda(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    before = utcnow()

    response = coach.post(f"/buurtkamer/{activity.id}/cancel")

    assert response.status_code == 302
    db.session.refresh(activity)
    assert before <= activity.cancelled_at <= utcnow()
    page = text(coach.get(f"/buurtkamer/{activity.id}"))
    assert "Activiteit afgelast." in page and "Afgelast" in page
    assert "Activiteit aflassen" not in page and "Gegevens wijzigen" not in page
    assert coach.get(f"/buurtkamer/{activity.id}/edit").status_code == 302


# --- organisers ----------------------------------------------------------------------------

def test_a_resident_with_consent_is_added_and_named(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_consent(world.resident, world.coach, world.welzijn,
                             purpose="resident_connection", data_categories=("identity",))
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers",
                          data={"resident_id": str(world.resident.id), "answer": "existing"})

    assert response.status_code == 302
    before = log_size()
    page = text(coach.get(f"/buurtkamer/{activity.id}"))
    assert "Organisator toegevoegd." in page
    assert "<strong>Fatima El Amrani</strong>" in page
    assert "Gegeven" in page  # the consent's state, for the coach
    assert log_size() == before + 1  # the name shown, decided and logged


def test_without_consent_the_resident_is_not_added(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers",
                          data={"resident_id": str(world.resident.id), "answer": "existing"})

    assert response.status_code == 422
    assert "heeft geen geldige toestemming om als organisator genoemd te worden" in text(response)
    assert db.session.execute(select(ActivityOrganiser)).first() is None


def test_a_resident_who_agrees_on_the_spot_is_recorded_and_named(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers", data={
        "resident_id": str(world.resident.id), "answer": "now", "method": "verbal",
        "notice_shown": "y"})

    assert response.status_code == 302
    consent = db.session.execute(select(Consent)).scalar_one()
    assert (consent.state, consent.purpose, consent.recipient_organization_id,
            consent.data_categories, consent.method) == (
        "given", "resident_connection", world.welzijn.id, ["identity"], "verbal")
    organiser = db.session.execute(select(ActivityOrganiser)).scalar_one()
    assert organiser.consent_id == consent.id
    assert "<strong>Fatima El Amrani</strong>" in text(coach.get(f"/buurtkamer/{activity.id}"))


def test_agreeing_on_the_spot_needs_how_and_the_privacy_notice(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers",
                          data={"resident_id": str(world.resident.id), "answer": "now"})

    assert response.status_code == 422
    html = text(response)
    assert "Dit veld is verplicht." in html
    assert "Laat de privacyverklaring zien" in html
    assert db.session.execute(select(Consent)).first() is None


def test_asking_consent_first_leads_to_the_consent(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers",
                          data={"resident_id": str(world.resident.id), "answer": "ask"})

    consent = db.session.execute(select(Consent)).scalar_one()
    assert consent.state == "requested" and consent.purpose == "resident_connection"
    assert response.headers["Location"].endswith(f"/consents/{consent.id}")
    assert db.session.execute(select(ActivityOrganiser)).first() is None


@pytest.mark.parametrize("answer", ["ask", "now", "existing"])
def test_a_cancelled_activity_takes_no_new_organiser_nor_asks_consent(coach, world, answer):
    activity = factories.create_activity(world.building, world.coach, cancelled=True)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers", data={
        "resident_id": str(world.resident.id), "answer": answer, "method": "verbal",
        "notice_shown": "y"}, follow_redirects=True)

    assert "Deze activiteit is afgelast; plan in plaats daarvan een nieuwe." in text(response)
    assert db.session.execute(select(Consent)).first() is None
    assert db.session.execute(select(ActivityOrganiser)).first() is None


def test_only_residents_of_the_building_can_be_chosen(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers", data={
        "resident_id": str(world.other_resident.id), "answer": "now", "method": "verbal",
        "notice_shown": "y"})

    assert response.status_code == 422
    assert "Kies een bewoner uit de lijst." in text(response)


def test_after_withdrawal_the_page_says_a_resident(http_app, coach, world):
    activity = factories.create_activity(world.building, world.coach, title="Taalcafé")
    organiser = factories.create_organiser(activity, world.resident, world.coach)
    fire_consent(db.session.get(Consent, organiser.consent_id), "withdraw", world.coach,
                 {"reason": "Liever anoniem."})
    db.session.commit()

    pages = {}
    for client in (coach, login(http_app, world.coordinator)):
        for url in ("/buurtkamer", f"/buurtkamer/{activity.id}"):
            pages[client, url] = html = text(client.get(url))
            assert "Fatima" not in html, url
            assert "een bewoner" in html, url
    assert ("Niet genoemd: de toestemming van de bewoner staat het niet meer toe."
            in pages[coach, f"/buurtkamer/{activity.id}"])
    denied = db.session.execute(select(func.count()).select_from(ProcessingLogEntry).where(
        ProcessingLogEntry.decision == "denied",
        ProcessingLogEntry.processing_activity == "resident_connection")).scalar_one()
    assert denied == 4  # every showing, on both pages, for both readers


def test_each_organisers_button_and_consent_link_say_whom_they_concern(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)
    factories.create_organiser(activity, factories.create_resident(
        world.dwelling, display_name="Henk Smit"), world.coach)
    db.session.commit()

    html = text(coach.get(f"/buurtkamer/{activity.id}"))

    for name in ("Fatima El Amrani", "Henk Smit"):
        assert ('Niet langer organisator<span class="visually-hidden">: '
                f'{name}</span></button>') in html
    assert html.count('<span class="visually-hidden">Toestemming: </span>') == 2


def test_without_residents_to_add_the_page_says_so_instead_of_an_empty_list(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)  # the only resident
    db.session.commit()

    html = text(coach.get(f"/buurtkamer/{activity.id}"))

    assert "Er zijn geen andere bewoners van deze flat om toe te voegen." in html
    assert 'name="resident_id"' not in html


def test_the_coach_removes_an_organiser(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)
    db.session.commit()

    response = coach.post(f"/buurtkamer/{activity.id}/organisers/{world.resident.id}/remove")

    assert response.status_code == 302
    assert db.session.execute(select(ActivityOrganiser)).first() is None
    assert "Er zijn nog geen bewoners die deze activiteit organiseren." in text(
        coach.get(f"/buurtkamer/{activity.id}"))
    again = coach.post(f"/buurtkamer/{activity.id}/organisers/{world.resident.id}/remove")
    assert again.status_code == 404


# --- odd input -----------------------------------------------------------------------------

ODD = ["", " ", "abc", "-1", "0", "99999999999999999999", "None", "0001-01-01T00:00",
       "9999-12-31T23:59", "<script>alert(1)</script>", "ü" * 5000,
       "00000000-0000-0000-0000-000000000000"]


def test_no_input_makes_a_buurtkamer_form_fail(coach, world):
    past = factories.create_activity(world.building, world.coach, days_from_now=-1)
    upcoming = factories.create_activity(world.building, world.coach)
    colleague = factories.create_user("flatcoach", world.welzijn)
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    db.session.commit()
    forms = {
        "/buurtkamer/new": ["building_id", "title", "theme", "starts_at", "place",
                            "organising_coach_id"],
        f"/buurtkamer/{upcoming.id}/edit": ["title", "theme", "starts_at", "place",
                                            "organising_coach_id"],
        f"/buurtkamer/{past.id}/participation": ["participant_count"],
        f"/buurtkamer/{upcoming.id}/organisers": ["resident_id", "answer", "method",
                                                  "notice_shown"],
    }
    for url, names in forms.items():
        for value in ODD:
            response = coach.post(url, data={name: value for name in names})
            assert response.status_code < 500, (url, value)
    for query in ("building=abc", "building=-1", "building=99999999999", "page=abc"):
        assert coach.get(f"/buurtkamer?{query}").status_code < 500, query
