"""Helpers for the tests of the server-rendered pages."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests import factories


def login(http_app: Flask, user: Any) -> FlaskClient:
    """A client of its own, logged in through the login form (Dutch by default)."""
    client = http_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def hidden(html: str, name: str, trigger: str | None = None) -> str:
    """The value of a hidden input, in the form of `trigger` when given."""
    if trigger is not None:
        html = html[html.index(f'value="{trigger}"'):]
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no hidden {name}"
    return match.group(1)
