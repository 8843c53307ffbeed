"""Filters and globals the templates share: labels, dates in the user's time zone, the
pager's links and each role's menu."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.permissions import Permission
from app.db import utcnow
from app.web.labels import category_label, label, purpose_label
from app.web.pages import page_args
from policies import in_order

_FORMATS = {"short": "d MMM, HH:mm", "medium": "d MMM y, HH:mm", "time": "HH:mm"}

# The menu: (endpoint, label, permission), in the order a user of that role needs them.
MENU = (
    ("today_pages.today", _l("Today"), Permission.CASES_READ),
    ("search_pages.search_page", _l("Search"), Permission.DWELLINGS_READ),
    ("buildings_pages.flats", _l("My buildings"), Permission.DWELLINGS_READ),
    ("cases_pages.cases", _l("Cases"), Permission.CASES_READ),
    ("handovers_pages.inbox", _l("Handovers"), Permission.HANDOVERS_READ),
    ("matches_pages.matches", _l("Connections"), Permission.MATCHES_READ),
    ("buurtkamer_pages.agenda", _l("Buurtkamer"), Permission.ACTIVITIES_READ),
    ("insight_pages.dashboard", _l("Neighbourhood insight"), Permission.INSIGHTS_READ),
    ("funding_pages.streams", _l("Funding streams"), Permission.FUNDING_MANAGE),
    ("consent_pages.register", _l("Consent register"), Permission.AUDIT_READ),
    ("audit_pages.processing_log", _l("Processing log"), Permission.AUDIT_READ),
    ("audit_pages.events", _l("Audit log"), Permission.AUDIT_READ),
    ("audit_pages.verify", _l("Verify the logs"), Permission.AUDIT_READ),
    ("audit_pages.reviews", _l("Safety disclosures"), Permission.AUDIT_REVIEW),
    ("privacy_pages.residents", _l("Data subject requests"), Permission.RESIDENTS_EXPORT),
    ("convenants_pages.register", _l("Convenants"), Permission.CONVENANTS_MANAGE),
    ("admin_pages.escalations", _l("Escalations"), Permission.ADMIN_MANAGE),
    ("admin_pages.users", _l("Users"), Permission.ADMIN_MANAGE),
    ("admin_pages.organizations", _l("Organisations"), Permission.ADMIN_MANAGE),
    ("admin_pages.buildings", _l("Buildings"), Permission.ADMIN_MANAGE),
    ("reference_pages.workflows", _l("Workflows"), Permission.WORKFLOWS_READ),
)


def when(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return "—"
    if style == "date":
        return format_date(value, "d MMM y")
    return format_datetime(value, _FORMATS.get(style, _FORMATS["medium"]))


def days_left(due: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days until `due`, rounded up; negative when it has passed."""
    if due is None:
        return None
    seconds = (due - (now or utcnow())).total_seconds()
    return math.ceil(seconds / 86400) if seconds >= 0 else -math.ceil(-seconds / 86400)


# From this many options on, a list to choose from gets a box that narrows it (picker.js).
SEARCHABLE_FROM = 15


def menu() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    links = []
    for endpoint, text, permission in MENU:
        if current_user.can(permission) and endpoint in current_app.view_functions:
            links.append((url_for(endpoint), str(text)))
    return links


def install(state: Any) -> None:
    env = state.app.jinja_env
    env.filters["label"] = label
    env.filters["category"] = category_label
    env.filters["purpose"] = purpose_label
    env.filters["when"] = when
    env.filters["category_order"] = in_order
    env.globals["days_left"] = days_left
    env.globals["page_args"] = page_args
    env.globals["menu"] = menu
    env.globals["searchable_from"] = SEARCHABLE_FROM
