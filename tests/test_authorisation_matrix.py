"""The authorisation matrix: one row per API operation, the exact status for every role,
for an object inside and outside the caller's scope.

Inside means the coach's own building (world.coach) and the professional's own organisation
(world.buurtteam); outside means the other building (world.other_coach) and another
organisation (world.schuldhulp). Privacy officers and coordinators have no building or
organisation scope of their own: they get the same two objects. Every request carries a valid
body, so the status reflects access and never validation.

A meta-test fails when an endpoint under /api/v1 has no row here, and another checks the
table against `ROLE_PERMISSIONS`: 403 exactly when the role lacks the row's permission. Every
refusal (403, 404) writes nothing: no row, no audit event, no processing-log entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from app.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from app.db import db
from tests import factories
from tests.factories import World
from tests.writes import snapshot

ROLES = ("flatcoach", "professional", "privacy_officer", "coordinator")
PUBLIC = ("POST", "/api/v1/auth/token")


@dataclass(frozen=True)
class Call:
    url: str
    body: dict[str, Any] | None = None
    token: str | None = None  # a token of its own (revoking one must not end the test's)


Make = Callable[[World, str, bool], Call]


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    permission: Permission | None
    expect: dict[str, tuple[int, int]]  # role -> (inside, outside)
    make: Make


def _status(flatcoach: tuple[int, int], professional: tuple[int, int],
            privacy_officer: tuple[int, int], coordinator: tuple[int, int]
            ) -> dict[str, tuple[int, int]]:
    return {"flatcoach": flatcoach, "professional": professional,
            "privacy_officer": privacy_officer, "coordinator": coordinator}


DENIED = (403, 403)
OK = (200, 200)
HIDDEN = (404, 404)
SCOPED = (200, 404)
CREATED_SCOPED = (201, 404)


# --- objects inside / outside the caller's scope -------------------------------------------

def _coach(w: World, inside: bool) -> Any:
    return w.coach if inside else w.other_coach


def _dwelling(w: World, inside: bool) -> Any:
    return w.dwelling if inside else w.other_dwelling


def _building(w: World, inside: bool) -> Any:
    return w.building if inside else w.other_building


def _organization(w: World, inside: bool) -> Any:
    return w.buurtteam if inside else w.schuldhulp


def _resident(w: World, inside: bool) -> Any:
    return factories.create_resident(_dwelling(w, inside), display_name="Ria Jansen")


def _case(w: World, inside: bool, state: str = "contacted") -> Any:
    return factories.create_case(_resident(w, inside), _coach(w, inside), state)


def _draft_handover(w: World, inside: bool) -> Any:
    case = _case(w, inside, "question_formulated")
    return factories.create_handover(case, _coach(w, inside), _organization(w, inside))


def _offered_handover(w: World, inside: bool) -> Any:
    """Offered to the professional's organisation (inside) or to another one (outside)."""
    case = _case(w, inside, "question_formulated")
    return factories.create_handover(case, _coach(w, inside), _organization(w, inside),
                                     state="offered")


def _consent(w: World, inside: bool, state: str = "given") -> Any:
    return factories.create_consent(_resident(w, inside), _coach(w, inside),
                                    _organization(w, inside), state=state)


def _disclosure(w: World, inside: bool) -> Any:
    from app.handovers.operations import make_safety_disclosure

    handover = _draft_handover(w, inside)
    return make_safety_disclosure(_coach(w, inside), handover, {
        "justification": JUSTIFICATION, "legal_basis": "vital_interest"})


JUSTIFICATION = ("De bewoner is acuut in gevaar: er is geen eten in huis, de verwarming is "
                 "afgesloten en hij reageert niet meer op de deur.")


# --- the request each row makes -------------------------------------------------------------

def token_login(w: World, role: str, inside: bool) -> Call:
    user = w.user(role) if inside else {"flatcoach": w.other_coach,
                                        "professional": w.other_professional}.get(role,
                                                                                   w.user(role))
    return Call("/api/v1/auth/token", {"email": user.email, "password": factories.PASSWORD})


def token_revoke(w: World, role: str, inside: bool) -> Call:
    from app.auth.operations import issue_token

    raw, _token = issue_token(w.user(role))
    return Call("/api/v1/auth/token", token=raw)


def case_transition(w: World, role: str, inside: bool) -> Call:
    case = _case(w, inside)
    return Call(f"/api/v1/cases/{case.id}/transitions",
                {"trigger": "start_exploring", "version": case.version})


def handover_transition(w: World, role: str, inside: bool) -> Call:
    if role == "professional":
        handover = _offered_handover(w, inside)
        return Call(f"/api/v1/handovers/{handover.id}/transitions",
                    {"trigger": "accept", "version": handover.version})
    handover = _draft_handover(w, inside)
    return Call(f"/api/v1/handovers/{handover.id}/transitions",
                {"trigger": "withdraw", "version": handover.version,
                 "reason": "Niet meer nodig."})


def consent_transition(w: World, role: str, inside: bool) -> Call:
    if role == "privacy_officer":
        consent = _consent(w, inside, "given")
        return Call(f"/api/v1/consents/{consent.id}/transitions",
                    {"trigger": "revoke", "version": consent.version,
                     "reason": "Recorded in error."})
    consent = _consent(w, inside, "requested")
    return Call(f"/api/v1/consents/{consent.id}/transitions",
                {"trigger": "give", "version": consent.version, "method": "verbal",
                 "notice_version": "2026-01"})


def handover_for_viewer(w: World, role: str, inside: bool) -> Any:
    return _offered_handover(w, inside) if role == "professional" else _draft_handover(w, inside)


HELP_QUESTION = {"text": "Ik wil hulp bij mijn post.", "themes": ["daily_administration"],
                 "urgency": "normal"}

ROWS: list[Row] = [
    Row("POST", "/api/v1/auth/token", None,
        _status((201, 201), (201, 201), (201, 201), (201, 201)), token_login),
    Row("DELETE", "/api/v1/auth/token", Permission.ME_READ,
        _status((204, 204), (204, 204), (204, 204), (204, 204)), token_revoke),
    Row("GET", "/api/v1/me", Permission.ME_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/me")),
    Row("GET", "/api/v1/organizations", Permission.ORGANIZATIONS_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/organizations")),
    Row("GET", "/api/v1/buildings", Permission.BUILDINGS_READ,
        _status(OK, DENIED, DENIED, OK), lambda w, r, i: Call("/api/v1/buildings")),
    Row("GET", "/api/v1/buildings/<int:building_id>/dwellings", Permission.DWELLINGS_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/buildings/{_building(w, i).id}/dwellings")),
    Row("POST", "/api/v1/visits", Permission.VISITS_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call("/api/v1/visits", {
            "dwelling_id": _dwelling(w, i).id, "outcome": "talked", "themes": ["finances"],
            "offers": [], "willingness": 2, "notes": "Koffie gedronken."})),
    Row("GET", "/api/v1/visits", Permission.VISITS_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/visits?building_id={_building(w, i).id}")),
    Row("POST", "/api/v1/residents", Permission.RESIDENTS_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call("/api/v1/residents", {
            "dwelling_id": _dwelling(w, i).id, "display_name": "Jan Smit", "birth_year": 1970})),
    # Everyone may ask; only the resident's coaches get an answer.
    Row("GET", "/api/v1/residents/<uuid:resident_id>", Permission.RESIDENTS_READ,
        _status(SCOPED, HIDDEN, HIDDEN, HIDDEN),
        lambda w, r, i: Call(f"/api/v1/residents/{_resident(w, i).id}")),
    Row("POST", "/api/v1/cases", Permission.CASES_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call("/api/v1/cases", {"resident_id": str(_resident(w, i).id)})),
    Row("GET", "/api/v1/cases", Permission.CASES_READ,
        _status(OK, DENIED, DENIED, DENIED), lambda w, r, i: Call("/api/v1/cases")),
    Row("GET", "/api/v1/cases/<uuid:case_id>", Permission.CASES_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/cases/{_case(w, i).id}")),
    Row("PATCH", "/api/v1/cases/<uuid:case_id>", Permission.CASES_UPDATE,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: (lambda c: Call(f"/api/v1/cases/{c.id}", {
            "version": c.version, "coach_notes": "Woont alleen."}))(_case(w, i))),
    Row("PUT", "/api/v1/cases/<uuid:case_id>/help-question", Permission.CASES_UPDATE,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/cases/{_case(w, i, 'exploring').id}/help-question",
                             HELP_QUESTION)),
    Row("POST", "/api/v1/cases/<uuid:case_id>/transitions", Permission.CASES_TRANSITION,
        _status(SCOPED, DENIED, DENIED, DENIED), case_transition),
    Row("POST", "/api/v1/cases/<uuid:case_id>/handovers", Permission.HANDOVERS_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(
            f"/api/v1/cases/{_case(w, i, 'question_formulated').id}/handovers", {
                "organization_id": w.buurtteam.id, "purpose": "warm_handover",
                "data_categories": ["identity", "contact", "help_question"]})),
    Row("GET", "/api/v1/handovers", Permission.HANDOVERS_READ,
        _status(OK, OK, DENIED, DENIED), lambda w, r, i: Call("/api/v1/handovers")),
    Row("GET", "/api/v1/handovers/<uuid:handover_id>", Permission.HANDOVERS_READ,
        _status(SCOPED, SCOPED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/handovers/{handover_for_viewer(w, r, i).id}")),
    Row("POST", "/api/v1/handovers/<uuid:handover_id>/transitions",
        Permission.HANDOVERS_TRANSITION,
        _status(SCOPED, SCOPED, DENIED, DENIED), handover_transition),
    Row("POST", "/api/v1/handovers/<uuid:handover_id>/safety-disclosure",
        Permission.SAFETY_DISCLOSURE_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/handovers/{_draft_handover(w, i).id}/safety-disclosure",
                             {"justification": JUSTIFICATION, "legal_basis": "vital_interest"})),
    Row("POST", "/api/v1/residents/<uuid:resident_id>/consents", Permission.CONSENTS_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/residents/{_resident(w, i).id}/consents", {
            "purpose": "warm_handover", "recipient_organization_id": w.buurtteam.id,
            "data_categories": ["identity", "contact"]})),
    # Privacy officers handle consents of every resident.
    Row("GET", "/api/v1/residents/<uuid:resident_id>/consents", Permission.CONSENTS_READ,
        _status(SCOPED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/residents/{_consent(w, i).resident_id}/consents")),
    Row("GET", "/api/v1/consents/<uuid:consent_id>", Permission.CONSENTS_READ,
        _status(SCOPED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/consents/{_consent(w, i).id}")),
    Row("GET", "/api/v1/consents/<uuid:consent_id>/record", Permission.CONSENTS_READ,
        _status(SCOPED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/consents/{_consent(w, i).id}/record")),
    Row("POST", "/api/v1/consents/<uuid:consent_id>/transitions", Permission.CONSENTS_TRANSITION,
        _status(SCOPED, DENIED, OK, DENIED), consent_transition),
    Row("GET", "/api/v1/residents/<uuid:resident_id>/export", Permission.RESIDENTS_EXPORT,
        _status(DENIED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/residents/{_resident(w, i).id}/export")),
    Row("POST", "/api/v1/residents/<uuid:resident_id>/erasure", Permission.RESIDENTS_ERASE,
        _status(DENIED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/residents/{_resident(w, i).id}/erasure", {})),
    Row("GET", "/api/v1/audit/processing-log", Permission.AUDIT_READ,
        _status(DENIED, DENIED, OK, DENIED),
        lambda w, r, i: Call("/api/v1/audit/processing-log")),
    Row("GET", "/api/v1/audit/events", Permission.AUDIT_READ,
        _status(DENIED, DENIED, OK, DENIED), lambda w, r, i: Call("/api/v1/audit/events")),
    Row("GET", "/api/v1/audit/verify", Permission.AUDIT_READ,
        _status(DENIED, DENIED, OK, DENIED), lambda w, r, i: Call("/api/v1/audit/verify")),
    Row("GET", "/api/v1/audit/processing-log/ldv", Permission.AUDIT_READ,
        _status(DENIED, DENIED, OK, DENIED),
        lambda w, r, i: Call("/api/v1/audit/processing-log/ldv?from=2026-01-01T00:00:00Z")),
    Row("GET", "/api/v1/audit/reviews", Permission.AUDIT_REVIEW,
        _status(DENIED, DENIED, OK, DENIED), lambda w, r, i: Call("/api/v1/audit/reviews")),
    Row("POST", "/api/v1/audit/reviews/<uuid:disclosure_id>", Permission.AUDIT_REVIEW,
        _status(DENIED, DENIED, OK, DENIED),
        lambda w, r, i: Call(f"/api/v1/audit/reviews/{_disclosure(w, i).id}", {
            "justified": True, "finding": "Terecht gedeeld: acuut gevaar."})),
    Row("GET", "/api/v1/workflows", Permission.WORKFLOWS_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/workflows")),
    Row("GET", "/api/v1/workflows/<name>", Permission.WORKFLOWS_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call(f"/api/v1/workflows/{'case' if i else 'handover'}")),
    Row("GET", "/api/v1/policies", Permission.POLICIES_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/policies")),
    # Coordinators see every building, a coach their own.
    Row("GET", "/api/v1/insights", Permission.INSIGHTS_READ,
        _status(SCOPED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/insights?building_id={_building(w, i).id}")),
    Row("GET", "/api/v1/insights/<panel>/csv", Permission.INSIGHTS_READ,
        _status(SCOPED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/insights/themes/csv?building_id={_building(w, i).id}")),
]



# --- Buurtkamer activities: coaches of the building manage them, coordinators read all ------

def _activity(w: World, inside: bool, **kwargs: Any) -> Any:
    return factories.create_activity(_building(w, inside), _coach(w, inside), **kwargs)


def _naming_consent(w: World, inside: bool, resident: Any) -> Any:
    return factories.create_consent(resident, _coach(w, inside), w.welzijn,
                                    purpose="resident_connection", data_categories=("identity",))


def activity_planned(w: World, role: str, inside: bool) -> Call:
    from datetime import timedelta

    from app.db import utcnow

    return Call("/api/v1/activities", {
        "building_id": _building(w, inside).id, "title": "Koffieochtend", "theme": "meeting",
        "starts_at": (utcnow() + timedelta(days=3)).isoformat(), "place": "Buurtkamer"})


def activity_organiser_added(w: World, role: str, inside: bool) -> Call:
    resident = _resident(w, inside)
    return Call(f"/api/v1/activities/{_activity(w, inside).id}/organisers", {
        "resident_id": str(resident.id),
        "consent_id": str(_naming_consent(w, inside, resident).id)})


def activity_organiser_removed(w: World, role: str, inside: bool) -> Call:
    activity = _activity(w, inside)
    resident = _resident(w, inside)
    factories.create_organiser(activity, resident, _coach(w, inside))
    return Call(f"/api/v1/activities/{activity.id}/organisers/{resident.id}")


ROWS += [
    Row("GET", "/api/v1/activities", Permission.ACTIVITIES_READ,
        _status(SCOPED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/activities?building_id={_building(w, i).id}")),
    Row("POST", "/api/v1/activities", Permission.ACTIVITIES_MANAGE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        activity_planned),
    Row("GET", "/api/v1/activities/<int:activity_id>", Permission.ACTIVITIES_READ,
        _status(SCOPED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/activities/{_activity(w, i).id}")),
    Row("PATCH", "/api/v1/activities/<int:activity_id>", Permission.ACTIVITIES_MANAGE,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/activities/{_activity(w, i, days_from_now=-1).id}",
                             {"participant_count": 12})),
    Row("POST", "/api/v1/activities/<int:activity_id>/organisers", Permission.ACTIVITIES_MANAGE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED), activity_organiser_added),
    Row("DELETE", "/api/v1/activities/<int:activity_id>/organisers/<uuid:resident_id>",
        Permission.ACTIVITIES_MANAGE, _status((204, 404), DENIED, DENIED, DENIED),
        activity_organiser_removed),
]

# --- Connections between residents: coaches whose buildings hold both residents ------------

def _match(w: World, inside: bool) -> Any:
    from app.matches.operations import propose_match

    return propose_match(_coach(w, inside), _resident(w, inside), _resident(w, inside),
                         "cooking")


def match_proposed(w: World, role: str, inside: bool) -> Call:
    return Call("/api/v1/matches", {"offering_resident_id": str(_resident(w, inside).id),
                                    "seeking_resident_id": str(_resident(w, inside).id),
                                    "offer": "cooking"})


def match_transition(w: World, role: str, inside: bool) -> Call:
    match = _match(w, inside)
    return Call(f"/api/v1/matches/{match.id}/transitions",
                {"trigger": "decline", "version": match.version, "reason": "Past nu niet."})


ROWS += [
    Row("GET", "/api/v1/matches/suggestions", Permission.MATCHES_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/matches/suggestions?building_id={_building(w, i).id}")),
    Row("POST", "/api/v1/matches", Permission.MATCHES_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED), match_proposed),
    Row("GET", "/api/v1/matches", Permission.MATCHES_READ,
        _status(OK, DENIED, DENIED, DENIED), lambda w, r, i: Call("/api/v1/matches")),
    Row("GET", "/api/v1/matches/<uuid:match_id>", Permission.MATCHES_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/matches/{_match(w, i).id}")),
    Row("POST", "/api/v1/matches/<uuid:match_id>/transitions", Permission.MATCHES_TRANSITION,
        _status(SCOPED, DENIED, DENIED, DENIED), match_transition),
]


def notification_read(w: World, role: str, inside: bool) -> Call:
    """Inside: one of the caller's own notifications; outside: another user's."""
    from app.notifications.models import Notification, NotificationKind

    owner = w.user(role) if inside else w.other_coach
    notification = Notification(user_id=owner.id, kind=NotificationKind.CHECKIN_DUE)
    db.session.add(notification)
    db.session.flush()
    return Call(f"/api/v1/notifications/{notification.id}/read", {})


ROWS += [
    Row("GET", "/api/v1/convenants", Permission.POLICIES_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/convenants")),
    Row("GET", "/api/v1/notifications", Permission.NOTIFICATIONS_READ, _status(OK, OK, OK, OK),
        lambda w, r, i: Call("/api/v1/notifications")),
    Row("GET", "/api/v1/notifications/unread", Permission.NOTIFICATIONS_READ,
        _status(OK, OK, OK, OK), lambda w, r, i: Call("/api/v1/notifications/unread")),
    Row("POST", "/api/v1/notifications/<int:notification_id>/read",
        Permission.NOTIFICATIONS_READ, _status(SCOPED, SCOPED, SCOPED, SCOPED),
        notification_read),
    Row("POST", "/api/v1/notifications/read", Permission.NOTIFICATIONS_READ,
        _status(OK, OK, OK, OK), lambda w, r, i: Call("/api/v1/notifications/read", {})),
]


# --- Closing the loop: a declined handover offered elsewhere, check-ins after help started ---

def handover_reoffered(w: World, role: str, inside: bool) -> Call:
    """A handover declined by one organisation, offered to the other one now."""
    declined = factories.create_handover(_case(w, inside, "question_formulated"),
                                         _coach(w, inside), _organization(w, inside),
                                         state="declined")
    return Call(f"/api/v1/handovers/{declined.id}/reoffer",
                {"organization_id": _organization(w, not inside).id})


ROWS += [
    Row("POST", "/api/v1/handovers/<uuid:handover_id>/reoffer", Permission.HANDOVERS_CREATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED), handover_reoffered),
    Row("POST", "/api/v1/cases/<uuid:case_id>/check-ins", Permission.CASES_UPDATE,
        _status(CREATED_SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/cases/{_case(w, i, 'supported').id}/check-ins",
                             {"outcome": "going_well", "note": "Het gaat goed."})),
    Row("GET", "/api/v1/cases/<uuid:case_id>/check-ins", Permission.CASES_READ,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/cases/{_case(w, i, 'supported').id}/check-ins")),
]


# --- The sociale kaart: everyone reads its services, the coordinator manages it -------------

def directory_import(w: World, role: str, inside: bool) -> Call:
    import uuid

    return Call("/api/v1/directory/import", {"organization": [{
        "id": str(uuid.uuid4()), "name": "Taalcafé Overvecht", "description": ""}]})


def identifiers_set(w: World, role: str, inside: bool) -> Call:
    return Call(f"/api/v1/directory/organizations/{_organization(w, inside).id}/identifiers",
                {"identifiers": [{"scheme": "NL-KVK", "identifier": f"KVK-{role}-{inside}"}]})


ROWS += [
    Row("GET", "/api/v1/directory/services", Permission.DIRECTORY_READ,
        _status(OK, OK, OK, OK), lambda w, r, i: Call("/api/v1/directory/services")),
    Row("GET", "/api/v1/directory/export", Permission.DIRECTORY_MANAGE,
        _status(DENIED, DENIED, DENIED, OK), lambda w, r, i: Call("/api/v1/directory/export")),
    Row("POST", "/api/v1/directory/import", Permission.DIRECTORY_MANAGE,
        _status(DENIED, DENIED, DENIED, OK), directory_import),
    Row("PUT", "/api/v1/directory/organizations/<int:organization_id>/identifiers",
        Permission.DIRECTORY_MANAGE, _status(DENIED, DENIED, DENIED, OK), identifiers_set),
]

# --- Funding streams and the funder's account: the coordinator's alone ---------------------

def _funding_stream(w: World) -> Any:
    from datetime import timedelta

    from app.db import utcnow
    from app.funding.operations import create_stream, tag_deployment

    today = utcnow().date()
    stream = create_stream(w.coordinator, {
        "name": "Flatcoaches", "funder_organization_id": w.welzijn.id,
        "starts_on": today - timedelta(days=30), "ends_on": today + timedelta(days=30)})
    tag_deployment(w.coordinator, stream, coach_id=w.coach.id, building_id=w.building.id)
    return stream


def funding_stream_created(w: World, role: str, inside: bool) -> Call:
    from app.db import utcnow

    today = utcnow().date()
    return Call("/api/v1/funding-streams", {
        "name": "Fonds", "funder_name": "Fonds Samen Wonen", "starts_on": today.isoformat(),
        "ends_on": today.isoformat(), "themes": ["finances"]})


ROWS += [
    Row("GET", "/api/v1/funding-streams", Permission.FUNDING_MANAGE,
        _status(DENIED, DENIED, DENIED, OK), lambda w, r, i: Call("/api/v1/funding-streams")),
    Row("POST", "/api/v1/funding-streams", Permission.FUNDING_MANAGE,
        _status(DENIED, DENIED, DENIED, (201, 201)), funding_stream_created),
    Row("GET", "/api/v1/funding-streams/<int:stream_id>", Permission.FUNDING_MANAGE,
        _status(DENIED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/funding-streams/{_funding_stream(w).id}")),
    Row("PATCH", "/api/v1/funding-streams/<int:stream_id>", Permission.FUNDING_MANAGE,
        _status(DENIED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/funding-streams/{_funding_stream(w).id}",
                             {"budget_euros": 1000})),
    Row("GET", "/api/v1/funding-streams/<int:stream_id>/account", Permission.FUNDING_MANAGE,
        _status(DENIED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/funding-streams/{_funding_stream(w).id}/account")),
    Row("GET", "/api/v1/funding-streams/<int:stream_id>/account/csv",
        Permission.FUNDING_MANAGE, _status(DENIED, DENIED, DENIED, OK),
        lambda w, r, i: Call(f"/api/v1/funding-streams/{_funding_stream(w).id}/account/csv")),
]

# --- Recordings made without a signal, and possible duplicate residents ----------------------

def sync_batch(w: World, role: str, inside: bool) -> Call:
    """One 'not home' at a door inside or outside the caller's scope, recorded by the caller:
    outside, the recording is refused in the answer (200 all the same, nothing revealed)."""
    import uuid

    from app.db import utcnow

    return Call("/api/v1/sync", {"items": [{
        "client_id": str(uuid.uuid4()), "kind": "visit", "recorded_at": utcnow().isoformat(),
        "recorded_by": w.user(role).id,
        "visit": {"dwelling_id": _dwelling(w, inside).id, "outcome": "not_home"}}]})


def _possible_duplicate(w: World, inside: bool) -> Any:
    from sqlalchemy import select

    from app.residents.models import PossibleDuplicate
    from app.residents.operations import register_resident

    existing = _resident(w, inside)
    newer = register_resident(_coach(w, inside), _dwelling(w, inside),
                              {"display_name": "ria  jansen"})
    return db.session.execute(select(PossibleDuplicate).where(
        PossibleDuplicate.resident_id == newer.id,
        PossibleDuplicate.existing_resident_id == existing.id)).scalar_one()


ROWS += [
    Row("POST", "/api/v1/sync", Permission.VISITS_CREATE,
        _status(OK, DENIED, DENIED, DENIED), sync_batch),
    Row("GET", "/api/v1/residents/duplicates", Permission.RESIDENTS_CREATE,
        _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(f"/api/v1/residents/duplicates?building_id={_building(w, i).id}")),
    Row("POST", "/api/v1/residents/duplicates/<int:flag_id>/resolution",
        Permission.RESIDENTS_CREATE, _status(SCOPED, DENIED, DENIED, DENIED),
        lambda w, r, i: Call(
            f"/api/v1/residents/duplicates/{_possible_duplicate(w, i).id}/resolution",
            {"decision": "keep"})),
]


def api_operations(app: Flask) -> dict[tuple[str, str], str]:
    """(method, rule) -> endpoint for every operation under /api/v1."""
    operations = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations[(method, rule.rule)] = rule.endpoint
    return operations


# --- meta-tests -----------------------------------------------------------------------------

def test_every_api_operation_has_a_row(app: Flask) -> None:
    operations = set(api_operations(app))
    rows = [(row.method, row.rule) for row in ROWS]
    assert len(rows) == len(set(rows)), "duplicate rows in the matrix"
    missing = sorted(operations - set(rows))
    stale = sorted(set(rows) - operations)
    assert not missing, f"API operations without a row in the authorisation matrix: {missing}"
    assert not stale, f"rows for operations the app does not have: {stale}"


def test_every_view_requires_a_permission_and_the_table_names_it(app: Flask) -> None:
    rows = {(row.method, row.rule): row for row in ROWS}
    problems = []
    for key, endpoint in sorted(api_operations(app).items()):
        permission = getattr(app.view_functions[endpoint], "required_permission", None)
        if key == PUBLIC:
            if permission is not None:
                problems.append(f"{key}: the public token endpoint requires {permission}")
            continue
        if permission is None:
            problems.append(f"{key}: view {endpoint} has no @require(permission)")
        elif key in rows and rows[key].permission != permission:
            problems.append(f"{key}: table says {rows[key].permission}, view requires "
                            f"{permission}")
    assert not problems, "\n".join(problems)


def test_table_agrees_with_role_permissions() -> None:
    problems = []
    for row in ROWS:
        for role in ROLES:
            statuses = row.expect[role]
            if row.permission is None:
                if 403 in statuses:
                    problems.append(f"{row.method} {row.rule} {role}: public but 403 expected")
                continue
            allowed = row.permission in ROLE_PERMISSIONS[Role(role)]
            if allowed and 403 in statuses:
                problems.append(f"{row.method} {row.rule} {role}: has {row.permission} "
                                f"but 403 expected")
            if not allowed and statuses != DENIED:
                problems.append(f"{row.method} {row.rule} {role}: lacks {row.permission} "
                                f"but {statuses} expected")
    assert not problems, "\n".join(problems)


# --- the matrix itself ----------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(role: str, world: World, as_user: Any, http_app: Flask) -> None:
    client = as_user(world.user(role))
    mismatches = []
    for row in ROWS:
        for inside, expected in zip((True, False), row.expect[role], strict=True):
            call = row.make(world, role, inside)
            db.session.commit()
            headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
            before = snapshot() if expected >= 400 else None
            if row.method == "POST" and call.url == "/api/v1/auth/token":
                response = http_app.test_client().post(call.url, json=call.body)
            elif call.body is None:
                response = client.request(row.method, call.url, headers=headers)
            else:
                response = client.request(row.method, call.url, json=call.body, headers=headers)
            if response.status_code != expected:
                detail = (response.get_json(silent=True) or {}).get("message", "")
                mismatches.append(
                    f"{row.method:6} {row.rule:55} {'inside ' if inside else 'outside'} "
                    f"expected {expected}, got {response.status_code} {detail}")
            elif before is not None and (after := snapshot()) != before:
                written = {name for name, count in after.rows.items()
                           if count != before.rows[name]}
                mismatches.append(
                    f"{row.method:6} {row.rule:55} {'inside ' if inside else 'outside'} "
                    f"refused with {expected} but wrote to {sorted(written)}")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)



def test_the_resident_role_gets_404_from_every_operation(world: World, http_app: Flask) -> None:
    """The role resident (the resident's own page) has no API: even a token made for a
    resident's account by hand is answered 404 by every row — for the resident's own records
    (the objects of their coach's scope) as for anyone else's — and nothing is written."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.operations import issue_token
    from app.portal.operations import issue_letter

    issue_letter(world.coach, world.resident)
    resident = db.session.execute(select(User).where(User.resident_id == world.resident.id)
                                  ).scalar_one()
    raw, _token = issue_token(resident)
    db.session.commit()
    client = http_app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    mismatches = []
    for row in ROWS:
        for inside in (True, False):
            call = row.make(world, "flatcoach", inside)
            db.session.commit()
            before = snapshot()
            response = client.open(call.url, method=row.method, json=call.body,
                                   headers=headers)
            if response.status_code != 404:
                mismatches.append(f"{row.method:6} {row.rule:55} got {response.status_code}")
            elif snapshot() != before:
                mismatches.append(f"{row.method:6} {row.rule:55} wrote")
    assert not mismatches, "resident:\n" + "\n".join(mismatches)
