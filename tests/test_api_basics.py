from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.residents.models import Resident

ERROR_KEYS = {"code", "status", "message", "errors"}


def test_openapi_document_and_local_docs(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/residents" in spec.json["paths"]
    docs = client.get("/api/docs")
    html = docs.get_data(as_text=True)
    assert docs.status_code == 200
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    assert "/api/docs/static/swagger-ui-bundle.js" in html
    asset = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/docs", "/login", "/api/v1/nothing-here"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_pages(client):
    for url in ("/login", "/api/docs"):
        html = client.get(url).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url


def test_unknown_path_is_404_in_the_error_shape(api, world):
    api.login(world.coach)
    response = api.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert set(response.json) == ERROR_KEYS


def test_wrong_method_is_405_in_the_error_shape(api, world):
    api.login(world.coach)
    response = api.put("/api/v1/me", json={})
    assert response.status_code == 405
    assert set(response.json) == ERROR_KEYS


def _resident_count() -> int:
    return db.session.execute(select(func.count(Resident.id))).scalar_one()


@pytest.mark.parametrize(
    "body,kwargs,status",
    [
        (None, {"data": "{not json", "content_type": "application/json"}, 400),
        ({"dwelling_id": "one", "display_name": "A"}, {}, 422),
        ({"dwelling_id": 1, "display_name": "A", "bsn": "1"}, {}, 422),
        ({"dwelling_id": 1, "display_name": "x" * 121}, {}, 422),
        ({"dwelling_id": 1}, {}, 422),
        ({"dwelling_id": 1, "display_name": "A", "birth_year": 1700}, {}, 422),
        ({"dwelling_id": 1, "display_name": "A", "phone": "call me"}, {}, 422),
        ([1, 2, 3], {}, 422),
    ],
)
def test_bad_input_is_4xx_in_the_error_shape_and_writes_nothing(api, world, body, kwargs,
                                                                status):
    api.login(world.coach)
    before = _resident_count()
    if body is not None:
        kwargs = {"json": body}
    response = api.post("/api/v1/residents", **kwargs)
    assert response.status_code == status
    assert set(response.json) == ERROR_KEYS
    assert _resident_count() == before


def test_oversized_payload_is_413(api, world):
    api.login(world.coach)
    response = api.post("/api/v1/residents", data="x" * (1024 * 1024 + 10),
                        content_type="application/json")
    assert response.status_code == 413
    assert set(response.json) == ERROR_KEYS


@pytest.mark.parametrize("text", ["Mevrouw 111222333", "bsn 1234.56.782", "123 456 782 mevrouw"])
def test_text_with_a_bsn_is_refused_with_an_explanation(api, world, text):
    api.login(world.coach)
    before = _resident_count()
    response = api.post("/api/v1/residents", json={"dwelling_id": world.dwelling.id,
                                                   "display_name": text},
                        headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "BSN" in str(response.json["errors"])
    assert _resident_count() == before


def test_error_messages_are_dutch_by_default(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["message"] == "Inloggen vereist."


def test_html_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]
