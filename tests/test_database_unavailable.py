"""While the database cannot be reached (a restart, a lost connection) every request is
answered 503 with Retry-After, in the one error shape — never a bare 500 — and the next
request after it comes back is served normally."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from app.db import db
from tests.web import login, text


def unreachable(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_the_api_answers_503_with_retry_after_and_recovers(as_user, world, monkeypatch):
    coach = as_user(world.coach)
    coach.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    monkeypatch.setattr("app.auth.operations.token_for", unreachable)

    response = coach.get("/api/v1/me")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json == {
        "code": 503, "status": "Service Unavailable",
        "message": "The database cannot be reached for a moment. Try again in a few seconds.",
        "errors": {}}
    monkeypatch.undo()
    assert coach.get("/api/v1/me").status_code == 200


def test_a_page_answers_503_in_dutch_without_asking_who_is_logged_in(http_app, world,
                                                                     monkeypatch):
    coach = login(http_app, world.coach)
    monkeypatch.setattr(db.session, "get", unreachable)

    response = coach.get("/today")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert '<html lang="nl">' in text(response)
    assert "probeer het zo nog eens" in text(response)


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/handovers"])
def test_every_operation_documents_503(client, path):
    spec = client.get("/api/openapi.json").json
    for operation in spec["paths"][path].values():
        assert "503" in operation["responses"]
