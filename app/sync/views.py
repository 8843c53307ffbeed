"""The phone's side of recording without a signal: the service worker and manifest that make
Buurtpad an installable app, the page shown when there is no connection (it draws the door
grid and the visit form from what the phone keeps), the copy the phone keeps, and `POST /sync`,
where the pages send their queue with the session and its CSRF token."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from app.api_base import error_body
from app.auth.access import require
from app.auth.permissions import Permission
from app.input_rules import unstorable
from app.sync.copy import offline_copy
from app.sync.operations import apply_batch, tally
from app.sync.rules import keep_hours
from app.sync.schemas import SyncAnswerSchema, SyncBatchSchema
from app.visits.forms import VisitForm
from app.web.labels import LABELS, label

bp = Blueprint("sync_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/sync")

STATIC = Path(__file__).resolve().parent / "static"
ICONS = (("icon-192.png", "192x192"), ("icon-512.png", "512x512"))


def assets() -> list[str]:
    """What the phone keeps to show pages without a signal: styles, script and icons (no
    data: that is in the phone's database, the page itself in the service worker's cache)."""
    return [url_for("web.static", filename="buurtpad.css"),
            url_for("web.static", filename="favicon.svg"),
            url_for("sync_pages.static", filename="offline.css"),
            url_for("sync_pages.static", filename="offline.js"),
            url_for("sync_pages.manifest"),
            *(url_for("sync_pages.static", filename=name) for name, _size in ICONS)]


@cache
def _version(root: str) -> str:
    """Changes whenever a file the phone keeps changes, so a new service worker replaces the
    cache of the old one."""
    digest = hashlib.sha256()
    for folder in (STATIC, Path(root) / "web" / "static",
                   Path(__file__).resolve().parent / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_name() -> str:
    return f"buurtpad-{_version(str(Path(current_app.root_path)))}"


def _url_pattern(endpoint: str, name: str) -> str:
    """An endpoint's URL with `{id}` where the id goes, for the script to fill in."""
    return url_for(endpoint, **{name: 999_999_999}).replace("999999999", "{id}")


@bp.app_template_global()
def offline_settings() -> dict[str, Any]:
    """What offline.js needs from the server: who is logged in, how long the phone keeps
    things, where to fetch and send, and every text it shows — in the user's language,
    with `%(name)s` left for the script to fill in."""
    t = get_translations()
    return {
        "user_id": current_user.id,
        "keep_hours": keep_hours(),
        "cache": cache_name(),
        "sw_url": url_for("sync_pages.service_worker"),
        "shell_url": url_for("sync_pages.shell"),
        "copy_url": url_for("sync_pages.copy"),
        "sync_url": url_for("sync_pages.sync"),
        "logout_url": url_for("web.logout"),
        "login_url": url_for("web.login"),
        "building_url": _url_pattern("buildings_pages.building", "building_id"),
        "dwelling_url": _url_pattern("visits_pages.dwelling", "dwelling_id"),
        "outcomes": {value: label(value, "visit_outcome")
                     for value in LABELS["visit_outcome"]},
        "texts": {
            "waiting": [t.ngettext("%(num)d recording waits to be sent",
                                   "%(num)d recordings wait to be sent", n) for n in (1, 2)],
            "nothing_waiting": t.gettext("Nothing waits to be sent."),
            "refused": [t.ngettext("%(num)d recording was refused",
                                   "%(num)d recordings were refused", n) for n in (1, 2)],
            "sent": [t.ngettext("%(num)d recording sent.", "%(num)d recordings sent.", n)
                     for n in (1, 2)],
            "logout": [t.ngettext(
                "%(num)d recording has not been sent. Logging out deletes it from this "
                "phone.",
                "%(num)d recordings have not been sent. Logging out deletes them from this "
                "phone.", n) for n in (1, 2)],
            "offline": t.gettext("No connection: what you record stays on this phone."),
            "ready": t.gettext("Ready to work without a signal."),
            "sending": t.gettext("Sending…"),
            "login": t.gettext("Log in again to send the recordings: they stay on this "
                               "phone until then."),
            "log_in": t.gettext("Log in"),
            "failed": t.gettext("Sending did not succeed; the recordings stay on this phone."),
            "duplicates": t.gettext("A new resident resembles someone registered at the same "
                                    "door: merge them or keep them apart on the door's page."),
            "saved": t.gettext("Saved on this phone; it is sent when the connection is back."),
            "retry": t.gettext("Try again"),
            "discard": t.gettext("Discard"),
            "name_required": t.gettext("Give the name the resident wants to be called by."),
            "pending": t.gettext("not sent yet"),
            "pending_resident": t.gettext("%(name)s (not sent yet)"),
            "new_resident": t.gettext("New resident: %(name)s"),
            "facts": t.gettext("%(count)s dwellings, %(floors)s floors"),
            "floor": t.gettext("Floor %(floor)s"),
            "door": t.gettext("Number %(number)s: %(outcome)s"),
            "unknown_door": t.gettext("This door is not in the copy on this phone. Open its "
                                      "building once while you have a connection."),
        },
    }


@bp.route("/service-worker.js")
def service_worker() -> Any:
    """At the root, so it may answer for every page of the site; the pages it answers
    without a signal are those of the door round."""
    settings = {"cache": cache_name(), "assets": assets(),
                "shell": url_for("sync_pages.shell"),
                "pages": ["/", "/buildings", "/buildings/", "/dwellings/", "/offline"]}
    script = (STATIC / "service-worker.js").read_text(encoding="utf-8")
    body = f"const SETTINGS = {json.dumps(settings)};\n{script}"
    return Response(body, mimetype="text/javascript")


@bp.route("/manifest.webmanifest")
def manifest() -> Any:
    body = {
        "name": "Buurtpad",
        "short_name": "Buurtpad",
        "description": _("Door-to-door rounds for flatcoaches, also without a signal."),
        "lang": str(get_locale() or "nl"),
        "start_url": url_for("buildings_pages.flats"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5cad",
        "icons": [{"src": url_for("sync_pages.static", filename=name), "sizes": size,
                   "type": "image/png", "purpose": "any"} for name, size in ICONS],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.route("/offline")
@require(Permission.VISITS_CREATE)
def shell() -> Any:
    """The page the phone shows without a signal, for the coach's buildings, a building's
    doors and a door: drawn from what the phone keeps. It holds no resident's data."""
    form = VisitForm([], formdata=None)
    return render_template("sync/offline.html", form=form)


@bp.route("/offline/copy")
@require(Permission.VISITS_CREATE)
def copy() -> Any:
    return jsonify(offline_copy(current_user))


@bp.route("/sync")
@require(Permission.VISITS_CREATE)
def sync_session() -> Any:
    """Who is logged in and a fresh CSRF token, asked for right before sending the queue
    (the phone keeps no token)."""
    return jsonify({"user_id": current_user.id, "csrf_token": generate_csrf()})


@bp.route("/sync", methods=["POST"])
@require(Permission.VISITS_CREATE)
def sync() -> Any:
    """The queue of the pages' phones, sent with the session and the CSRF token (checked
    before this view runs): the same batch and answer as `POST /api/v1/sync`."""
    body = request.get_json(silent=True)
    reason = unstorable(body) if body is not None else _("The body is not valid JSON.")
    if reason is not None:
        return jsonify(error_body(400, "Bad Request", reason)), 400
    try:
        data = SyncBatchSchema().load(body)
    except ValidationError as invalid:
        messages = invalid.messages
        errors = messages if isinstance(messages, dict) else {"_schema": messages}
        return jsonify(error_body(422, "Unprocessable Entity",
                                  _("The input is not valid. See errors for the fields "
                                    "concerned."), errors)), 422
    answer = tally(apply_batch(current_user, data["items"]))
    return jsonify(SyncAnswerSchema().dump(answer))
