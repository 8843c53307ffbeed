from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigurationError


def test_refuses_to_start_without_secret_key_in_production(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_starts_with_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "a" * 40


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


def test_client_address_behind_a_trusted_proxy():
    from flask import request

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "TRUSTED_PROXIES": 1})
    seen = {}

    @app.route("/_address")
    def address():
        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_address", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "203.0.113.7"


def test_forwarded_address_ignored_without_trusted_proxy():
    from flask import request

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = {}

    @app.route("/_address")
    def address():
        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_address", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "10.0.0.1"
