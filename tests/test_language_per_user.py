"""The language a user picks is kept with the user: it holds on any device they log in on,
and after logout the device keeps it for the login page (a cookie). Logged out, the choice
stays with the device. The coach's pages link the web app manifest, in Dutch."""

from __future__ import annotations

from app.db import db
from tests import factories
from tests.web import login, text

ENGLISH = "<h1>Today</h1>"
DUTCH = "<h1>Vandaag</h1>"


def test_the_choice_is_kept_with_the_user_and_holds_on_another_device(http_app, world):
    phone = login(http_app, world.coach)
    assert DUTCH in text(phone.get("/today"))
    assert phone.post("/language/en", data={"next": "/today"}).status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.locale == "en"
    assert ENGLISH in text(phone.get("/today"))

    laptop = http_app.test_client()
    assert 'lang="nl"' in text(laptop.get("/login"))  # before login: the device's default
    response = laptop.post("/login", data={"email": world.coach.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
    assert "buurtpad_lang=en" in response.headers.get("Set-Cookie", "")
    assert ENGLISH in text(laptop.get("/today"))
    laptop.post("/logout")
    assert 'lang="en"' in text(laptop.get("/login"))  # the device remembers it


def test_switching_back_to_dutch_is_kept_too(http_app, world):
    world.coach.locale = "en"
    db.session.commit()
    phone = login(http_app, world.coach)
    assert ENGLISH in text(phone.get("/today"))
    phone.post("/language/nl", data={"next": "/today"})
    db.session.refresh(world.coach)
    assert world.coach.locale == "nl"
    assert DUTCH in text(login(http_app, world.coach).get("/today"))


def test_the_users_choice_wins_over_the_devices_cookie(http_app, world):
    world.coach.locale = "nl"
    db.session.commit()
    shared = http_app.test_client()
    shared.post("/language/en", data={"next": "/login"})  # someone else's choice, logged out
    assert 'lang="en"' in text(shared.get("/login"))
    shared.post("/login", data={"email": world.coach.email, "password": factories.PASSWORD})
    assert DUTCH in text(shared.get("/today"))


def test_a_choice_made_logged_out_touches_no_user(client, world):
    client.post("/language/en", data={"next": "/login"})
    db.session.refresh(world.coach)
    assert world.coach.locale is None


def test_an_unknown_language_changes_nothing(http_app, world):
    phone = login(http_app, world.coach)
    phone.post("/language/fr", data={"next": "/today"})
    db.session.refresh(world.coach)
    assert world.coach.locale is None
    assert DUTCH in text(phone.get("/today"))


def test_the_api_answers_in_the_language_its_client_asks_for(api, world):
    world.coach.locale = "en"
    db.session.commit()
    response = api.login(world.coach).get(
        "/api/v1/cases/00000000-0000-4000-8000-000000000000", headers={"Accept-Language": "nl"})
    assert response.status_code == 404 and response.json["message"] == "Niet gevonden."


def test_every_page_of_the_coach_links_the_web_app_manifest_in_dutch(http_app, world):
    coach = login(http_app, world.coach)
    for url in ("/", "/today", "/buurtkamer", "/buildings"):
        page = text(coach.get(url))
        assert page.count('<link rel="manifest" href="/manifest.webmanifest">') == 1, url
    manifest = coach.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["name"] == "Buurtpad" and manifest.json["lang"] == "nl"
    assert manifest.json["description"] == (
        "Deur-aan-deurrondes voor flatcoaches, ook zonder bereik.")
    # No installable app for whom the door round is not: it opens on the coach's flats.
    assert 'rel="manifest"' not in text(login(http_app, world.professional).get("/handovers"))
    assert 'rel="icon" type="image/svg+xml"' in text(coach.get("/today"))
