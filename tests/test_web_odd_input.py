"""No input makes a page fail with a 500: odd values in every form and filter are answered
with field errors (422), a stale-version notice (409) or a 404; text no database can store
(NUL; a lone surrogate cannot even arrive: a form's bytes that are not UTF-8 stay escaped or
become U+FFFD) is a bad request (400) before any view runs. A refusal stores nothing: no row,
no audit event, no processing-log entry."""

from __future__ import annotations

import pytest

from app.db import db
from app.portal.views import RESIDENT_ENDPOINTS
from tests import factories
from tests.web import login
from tests.writes import nothing_written

ODD = ["", " ", "abc", "-1", "0", "99999999999999999999", "None", "0001-01-01", "9999-12-31",
       "0001-01-01T00:00", "9999-12-31T23:59", "<script>alert(1)</script>", "ü" * 5000,
       "00000000-0000-0000-0000-000000000000", "9999-12-31T23:59:59-05:00",
       "0001-01-01T00:00:00+05:00", "a\x00b"]


def refused_as(value: str) -> int:
    """The status a form filled with `value` everywhere answers: NUL is refused before any
    view (400), every other odd value by the form's validation (422)."""
    return 400 if "\x00" in value else 422


@pytest.fixture
def objects(world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    consent = factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                       state="requested")
    db.session.commit()
    return {"case": case.id, "handover": handover.id, "consent": consent.id,
            "resident": world.resident.id, "dwelling": world.dwelling.id}


FORMS = {
    "/dwellings/{dwelling}/visits": ["outcome", "resident", "new_resident_name",
                                     "new_resident_birth_year", "new_resident_phone", "themes",
                                     "offers", "willingness", "notes", "open_case"],
    "/cases/{case}/transitions": ["trigger", "version", "seen", "reason", "outcome"],
    "/cases/{case}/help-question": ["text", "themes", "urgency"],
    "/cases/{case}/notes": ["version", "household_size", "finances_notes"],
    "/residents/{resident}/consents/new": ["answer", "purpose", "recipient_organization_id",
                                          "data_categories", "valid_until", "method",
                                          "notice_shown"],
    "/consents/{consent}/transitions": ["trigger", "version", "method", "notice_version"],
    "/cases/{case}/handovers/new": ["organization_id", "purpose", "data_categories",
                                    "consent_id", "note", "answer"],
    "/handovers/{handover}/transitions": ["trigger", "version", "intro_at", "place", "reason"],
}


@pytest.mark.parametrize("url", sorted(FORMS))
def test_coach_forms_never_fail(http_app, world, objects, url):
    coach = login(http_app, world.coach)
    target = url.format(**objects)
    for value in ODD:
        data = {name: value for name in FORMS[url]}
        if "trigger" in data:
            data["trigger"] = {"/cases": "pause", "/consents": "give",
                               "/handovers": "schedule_intro"}["/" + url.split("/")[1]]
        with nothing_written():
            response = coach.post(target, data=data)
        assert response.status_code == refused_as(value), (target, value)


@pytest.mark.parametrize("query", [f"{name}={value}" for name in
                                   ("from", "to", "resident_id", "action", "decision", "page",
                                    "event_type", "object_type", "object_id", "actor_id",
                                    "state", "purpose", "organization", "group", "status")
                                   for value in ODD[:10]])
def test_filters_never_fail(http_app, world, query):
    officer = login(http_app, world.privacy_officer)
    for url in ("/privacy/processing-log", "/privacy/audit-events", "/privacy/consents",
                "/privacy/reviews"):
        with nothing_written():
            assert officer.get(f"{url}?{query}").status_code == 200, (url, query)
    # An export of a log is itself an audit event.
    for url in ("/privacy/processing-log.csv", "/privacy/audit-events.csv",
                "/privacy/consents.csv"):
        assert officer.get(f"{url}?{query}").status_code == 200, (url, query)


def test_admin_forms_never_fail(http_app, world):
    coordinator = login(http_app, world.coordinator)
    for value in ODD:
        for url, names in (("/admin/users/new", ["name", "email", "role", "organization_id",
                                                 "password"]),
                           ("/admin/organizations", ["name", "kind"]),
                           (f"/admin/buildings/{world.building.id}/coaches", ["user_id"])):
            with nothing_written():
                response = coordinator.post(url, data={name: value for name in names})
            assert response.status_code == refused_as(value), (url, value)


def test_huge_ids_in_paths_are_404(http_app, world):
    coach = login(http_app, world.coach)
    coordinator = login(http_app, world.coordinator)
    with nothing_written():
        assert coach.get("/buildings/99999999999999999999").status_code == 404
        assert coach.get("/dwellings/99999999999999999999").status_code == 404
        assert coordinator.get("/admin/buildings/99999999999999999999").status_code == 404
        assert coordinator.post("/admin/users/99999999999999999999/deactivate"
                                ).status_code == 404


# --- a walk over every form of every page ----------------------------------------------------

NUL = "a\x00b"
# The ends of the calendar, as a page's date and date-time fields read them and with offsets.
EXTREME_DATES = ["9999-12-31T23:59", "0001-01-01T00:00", "9999-12-31T23:59:59-05:00",
                 "0001-01-01T00:00:00+05:00", "9999-12-31", "0001-01-01", "1899-12-31"]
# A lone surrogate's UTF-8 bytes, percent-escaped (urlencoded) and raw (multipart).
SURROGATE_BYTES = "\ud800".encode("utf-8", "surrogatepass")
ZERO_UUID = "00000000-0000-4000-8000-000000000000"


def _form_field_names() -> set[str]:
    """The name of every field of every page form."""
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    names, todo = set(), [FlaskForm]
    while todo:
        for form in todo.pop().__subclasses__():
            todo.append(form)
            names |= {unbound.name or attribute
                      for attribute in dir(form)
                      if isinstance(unbound := getattr(form, attribute, None), UnboundField)}
    return names


@pytest.fixture
def every_form(http_app, world, objects):
    """Each page that takes a POST, filled with objects in scope of the role that uses it
    (throwaway ones where a post would end them: a user to deactivate, a resident to erase)."""
    activity = factories.create_activity(world.building, world.coach)
    spare_user = factories.create_user("flatcoach", world.welzijn)
    spare_resident = factories.create_resident(world.dwelling, display_name="Reserve Bewoner")
    db.session.commit()
    ids = {"case_id": objects["case"], "handover_id": objects["handover"],
           "consent_id": objects["consent"], "resident_id": objects["resident"],
           "dwelling_id": objects["dwelling"], "building_id": world.building.id,
           "activity_id": activity.id, "user_id": spare_user.id, "code": "en"}
    overrides = {"privacy_pages.erasure": {"resident_id": spare_resident.id}}
    clients = {"coach": login(http_app, world.coach),
               "coordinator": login(http_app, world.coordinator),
               "privacy_officer": login(http_app, world.privacy_officer),
               "resident": _resident_signed_in(http_app, world)}
    pages = []
    for rule in http_app.url_map.iter_rules():
        if rule.rule.startswith("/api") or "POST" not in (rule.methods or ()):
            continue
        blueprint = rule.endpoint.split(".")[0]
        role = {"admin_pages": "coordinator", "privacy_pages": "privacy_officer",
                "audit_pages": "privacy_officer"}.get(blueprint, "coach")
        if rule.endpoint in RESIDENT_ENDPOINTS:
            role = "resident"  # the resident's own pages, in their own session
        values = {name: str({**ids, **overrides.get(rule.endpoint, {})}.get(name, ZERO_UUID))
                  for name in rule.arguments}
        pages.append((rule.endpoint, _fill(rule.rule, values), clients[role]))
    return sorted(pages, key=lambda page: page[1])


def _resident_signed_in(http_app, world):
    """A client signed in as the world's resident on their own page."""
    from app.portal.operations import issue_letter

    letter = issue_letter(world.coach, world.resident)
    db.session.commit()
    client = http_app.test_client()
    response = client.post("/mijn/activeren", data={
        "account_number": letter.account_number, "code": letter.code,
        "pin": "480613", "pin_again": "480613"})
    assert response.status_code == 302
    return client


def _fill(rule: str, values: dict[str, str]) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda match: values[match.group(1)], rule)


def refused_without_writing(client, url: str, what: str, **post: object) -> None:
    """Some forms take these values (a form of buttons only, a search); where a form refuses
    them, it stores nothing."""
    from tests.writes import snapshot

    before = snapshot()
    response = client.post(url, **post)
    assert response.status_code < 500, (url, what)
    if response.status_code >= 400:
        assert snapshot() == before, (url, what, response.status_code)


def test_every_page_form_refuses_unstorable_text_and_odd_dates(every_form):
    names = sorted(_form_field_names())
    assert {"notes", "intro_at", "valid_until", "starts_at", "from", "query"} <= set(names)
    walked = 0
    for endpoint, url, client in every_form:
        # NUL in the fields or the query string: 400 before the view (nothing changes).
        with nothing_written():
            assert client.post(url, data=dict.fromkeys(names, NUL)).status_code == 400, url
            assert client.post(url, data={names[0]: "x", names[-1]: NUL}).status_code == 400, url
            assert client.post(url, query_string={"next": NUL}).status_code == 400, url
        if endpoint in ("web.logout", "portal.sign_out"):
            continue  # a valid post ends the login the walk goes on with
        for value in EXTREME_DATES:
            refused_without_writing(client, url, value, data=dict.fromkeys(names, value))
            walked += 1
        escaped = "&".join(f"{name}=%ED%A0%80" for name in names)
        refused_without_writing(client, url, "escaped surrogate", data=escaped,
                                content_type="application/x-www-form-urlencoded")
        multipart = b"".join(b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                             % (name.encode(), SURROGATE_BYTES) for name in names) + b"--B--\r\n"
        refused_without_writing(client, url, "raw surrogate", data=multipart,
                                content_type="multipart/form-data; boundary=B")
    assert len(every_form) >= 30 and walked >= 200, (len(every_form), walked)
