"""A request that loses a deadlock or a serialisation conflict runs again instead of being
answered 503; other database errors, and a conflict lost every time, still answer 503."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from app import contention, create_app
from tests.conftest import make_test_config


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.fixture
def flaky(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app with one page that fails with `sqlstate` for its first `losses` runs."""
    monkeypatch.setattr(contention, "PAUSE_SECONDS", 0.0)
    app = create_app(make_test_config(database_url))
    runs = {"count": 0, "losses": 0, "sqlstate": "40P01"}

    @app.route("/flaky")
    def flaky_page() -> Any:
        from flask import g

        assert "gathered" not in g  # what a lost attempt gathered is gone
        g.gathered = True
        runs["count"] += 1
        if runs["count"] <= runs["losses"]:
            raise OperationalError("UPDATE …", {}, _Orig(runs["sqlstate"]))
        return "done"

    return app.test_client(), runs


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_lost_conflict_runs_the_request_again(flaky, sqlstate):
    client, runs = flaky
    runs.update(losses=contention.ATTEMPTS - 1, sqlstate=sqlstate)
    response = client.get("/flaky")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "done"
    assert runs["count"] == contention.ATTEMPTS


def test_a_conflict_lost_every_time_answers_503(flaky):
    client, runs = flaky
    runs.update(losses=contention.ATTEMPTS)
    response = client.get("/flaky")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert runs["count"] == contention.ATTEMPTS


def test_other_database_errors_are_not_retried(flaky):
    client, runs = flaky
    runs.update(losses=1, sqlstate="08006")  # the connection went away
    assert client.get("/flaky").status_code == 503
    assert runs["count"] == 1
