from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from app.auth.operations import end_all_sessions
from app.db import db
from tests import factories
from tests.conftest import make_test_config


def test_login_page_is_dutch_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Inloggen" in page.get_data(as_text=True)


def test_pages_stay_dutch_whatever_the_browsers_language(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Inloggen" in page.get_data(as_text=True)


def test_login_page_in_english_when_chosen(client):
    client.post("/language/en", data={"next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "nl"})
    assert "Log in" in page.get_data(as_text=True)


def test_an_api_client_may_ask_for_english(api, world):
    coach = api.login(world.coach)
    english = coach.get("/api/v1/audit/processing-log", headers={"Accept-Language": "en"})
    dutch = coach.get("/api/v1/audit/processing-log")
    assert english.json["message"] == "Your role does not allow this action."
    assert dutch.json["message"] != english.json["message"]


def test_wrong_password_shows_error_next_to_field_and_keeps_email(client, world):
    page = client.post("/login", data={"email": world.coach.email, "password": "fout"})
    html = page.get_data(as_text=True)
    assert page.status_code == 401
    assert "onjuist" in html
    assert world.coach.email in html


@pytest.mark.parametrize("role,text", [
    ("flatcoach", "Mijn flats"),
    ("professional", "Overdrachten"),
    ("privacy_officer", "Privacy"),
    ("coordinator", "Buurt"),
])
def test_each_role_lands_on_its_page(client, world, role, text):
    user = world.user(role)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert text in home.get_data(as_text=True)


def test_deactivation_ends_web_session(client, world):
    client.post("/login", data={"email": world.coach.email, "password": factories.PASSWORD})
    assert client.get("/").status_code == 200
    world.coach.active = False
    end_all_sessions(world.coach)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, world):
    response = client.post("/login",
                           data={"email": world.coach.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_and_idle_timeout_outside_debug(database_url):
    app = create_app({**make_test_config(database_url), "TESTING": False,
                      "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60


def test_forms_require_csrf_token(database_url, world):
    app: Flask = create_app({**make_test_config(database_url), "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    response = client.post("/login", data={"email": world.coach.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("secure", [True, False])
def test_every_cookie_is_secure_where_the_session_cookie_is(database_url, world, secure):
    app = create_app({**make_test_config(database_url), "SESSION_COOKIE_SECURE": secure})
    client = app.test_client()
    cookies = [
        *client.post("/language/en", data={"next": "/"}).headers.getlist("Set-Cookie"),
        *client.post("/login", data={"email": world.coach.email, "password": factories.PASSWORD}
                     ).headers.getlist("Set-Cookie"),
        *client.post("/language/nl", data={"next": "/"}).headers.getlist("Set-Cookie"),
    ]
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"buurtpad_lang", "session"} <= names
    for cookie in cookies:
        assert ("; Secure" in cookie) is secure, cookie


def test_a_page_that_needs_a_login_says_so_in_dutch_and_returns_after_it(client, world):
    response = client.get("/today?x=1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/today?x%3D1"
    login_page = client.get(response.headers["Location"])
    assert "Log in om deze pagina te zien." in login_page.get_data(as_text=True)
    assert "Please log in" not in login_page.get_data(as_text=True)
    back = client.post(response.headers["Location"],
                       data={"email": world.coach.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == "/today?x=1"


def test_the_favicon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    svg = client.get(icon.headers["Location"])
    try:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    finally:
        svg.close()
