"""Ending a login ends it on the server: a session cookie copied before logout, deactivation
or a new password is refused afterwards, on every device; deactivation and a new password
end the user's API tokens as well.

The mechanism: the cookie carries `<user id>.<session nonce>`, the loader compares the nonce
with the user's row, and each of these operations gives the row a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.operations import set_password
from app.db import db
from tests.conftest import Api
from tests.web import login


def _log_out(http_app: Flask, world: Any, browser: FlaskClient) -> None:
    assert browser.post("/logout").status_code == 302


def _deactivate(http_app: Flask, world: Any, browser: FlaskClient) -> None:
    coordinator = login(http_app, world.coordinator)
    assert coordinator.post(f"/admin/users/{world.coach.id}/deactivate",
                            data={"successor_id": world.other_coach.id}).status_code == 302


def _new_password(http_app: Flask, world: Any, browser: FlaskClient) -> None:
    set_password(world.coach, "een heel ander wachtwoord")
    db.session.commit()


ENDINGS: dict[str, tuple[Callable[..., None], bool]] = {
    # name: (how the login ends, whether the user's API tokens end too)
    "logout": (_log_out, False),
    "deactivation": (_deactivate, True),
    "new password": (_new_password, True),
}


def _copy_of(http_app: Flask, browser: FlaskClient) -> FlaskClient:
    """A second browser holding the same session cookie, as a thief would."""
    copy = http_app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    return copy


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_copied_session_cookie_dies_with_the_login(http_app, world, as_user, ending):
    end, tokens_end = ENDINGS[ending]
    browser = login(http_app, world.coach)
    other_device = login(http_app, world.coach)
    copy = _copy_of(http_app, browser)
    api: Api = as_user(world.coach)
    assert copy.get("/today").status_code == 200

    end(http_app, world, browser)

    for client in (copy, browser, other_device):
        response = client.get("/today")
        assert response.status_code == 302, ending
        assert response.headers["Location"].startswith("/login")
        assert client.post("/logout").status_code == 302  # a form post is refused as well
        assert client.get("/today").headers["Location"].startswith("/login")
    # Web logout ends the web sessions; an API token ends with DELETE /api/v1/auth/token.
    assert api.get("/api/v1/me").status_code == (401 if tokens_end else 200), ending


@pytest.mark.parametrize("session_id", ["{id}", "{id}.", "{id}.0000000000000000",
                                        "{id}.{nonce}x", "x.{nonce}", ".{nonce}", ""])
def test_the_loader_accepts_only_the_current_nonce(http_app, world, session_id):
    forged = http_app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = session_id.format(id=world.coach.id,
                                                nonce=world.coach.session_nonce)
    assert forged.get("/today").status_code == 302
    with forged.session_transaction() as session:
        session["_user_id"] = f"{world.coach.id}.{world.coach.session_nonce}"
    assert forged.get("/today").status_code == 200
