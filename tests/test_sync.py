"""Recordings made at the door without a signal, sent later as one batch: each applied once
(its client id is the idempotency key), in the order recorded, under the same rules and scope
as online; answered per recording — applied, already applied or refused, with the reason.
Visits are events: nothing is overwritten, and a door's latest answers follow the time at the
door, not the time of arrival."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEvent
from app.buildings.models import CoachAssignment
from app.cases.models import Case
from app.db import db, utcnow
from app.residents.models import Resident
from app.sync.models import SyncReceipt
from app.visits.models import LatestAnswer, Visit
from app.visits.operations import record_visit
from tests import factories
from tests.conftest import make_test_config
from tests.web import hidden, text
from tests.web import login as web_login

SYNC = "/api/v1/sync"
BSN = "111222333"  # passes the eleven-test


def english(api: Any) -> Any:
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user: Any, world: Any) -> Any:
    return english(as_user(world.coach))


def at(minutes_ago: float) -> datetime:
    return utcnow() - timedelta(minutes=minutes_ago)


def visit_item(user: Any, dwelling: Any, outcome: str = "not_home", *, minutes_ago: float = 30,
               client_id: uuid.UUID | None = None, **answers: Any) -> dict[str, Any]:
    return {"client_id": str(client_id or uuid.uuid4()), "kind": "visit",
            "recorded_at": at(minutes_ago).isoformat(), "recorded_by": user.id,
            "visit": {"dwelling_id": dwelling.id, "outcome": outcome, **answers}}


def resident_item(user: Any, dwelling: Any, name: str, *, minutes_ago: float = 30,
                  **fields: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "kind": "resident",
            "recorded_at": at(minutes_ago).isoformat(), "recorded_by": user.id,
            "resident": {"dwelling_id": dwelling.id, "display_name": name, **fields}}


def count(model: Any, *where: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def sync(client: Any, *items: dict[str, Any]) -> dict[str, Any]:
    response = client.post(SYNC, json={"items": list(items)})
    assert response.status_code == 200, response.json
    db.session.expire_all()
    return response.json


def statuses(answer: dict[str, Any]) -> list[str]:
    return [result["status"] for result in answer["results"]]


# --- applied once, in the order recorded ------------------------------------------------------


def test_a_round_recorded_offline_is_applied_once_in_the_order_recorded(coach, world):
    doors = [world.dwelling, *(factories.create_dwelling(world.building, floor=3)
                               for _ in range(3))]
    db.session.commit()
    newcomer = resident_item(world.coach, doors[3], "Noor Bakker", minutes_ago=5,
                             birth_year=1961, languages=["Nederlands"])
    items = [
        visit_item(world.coach, doors[0], minutes_ago=40),
        visit_item(world.coach, doors[1], minutes_ago=35),
        visit_item(world.coach, doors[2], "revisit", minutes_ago=30),
        visit_item(world.coach, world.dwelling, "talked", minutes_ago=20,
                   resident_id=str(world.resident.id), themes=["finances", "loneliness"],
                   offers=["cooking"], willingness=2, household_size=3,
                   notes="Koffie gedronken."),
        # Sent before the resident it names: applied after it all the same.
        visit_item(world.coach, doors[3], "talked", minutes_ago=5, themes=["housing"],
                   resident_client_id=newcomer["client_id"]),
        newcomer,
    ]

    logged = {kind: count(AuditEvent, AuditEvent.event_type == kind)
              for kind in ("visit_recorded", "resident_registered")}

    answer = sync(coach, *items)

    assert statuses(answer) == ["applied"] * 6
    assert (answer["applied"], answer["already_applied"], answer["refused"]) == (6, 0, 0)
    assert [r["client_id"] for r in answer["results"]] == [i["client_id"] for i in items]
    noor = db.session.get(Resident, uuid.UUID(answer["results"][5]["object_id"]))
    assert (noor.display_name, noor.birth_year, noor.dwelling_id) == (
        "Noor Bakker", 1961, doors[3].id)
    talked_with_noor = db.session.get(Visit, uuid.UUID(answer["results"][4]["object_id"]))
    assert talked_with_noor.resident_id == noor.id
    for item, result in zip(items, answer["results"], strict=True):
        receipt = db.session.get(SyncReceipt, uuid.UUID(item["client_id"]))
        assert (receipt.user_id, str(receipt.object_id)) == (world.coach.id, result["object_id"])
        if item["kind"] == "visit":
            visit = db.session.get(Visit, receipt.object_id)
            # The time at the door, not the time of arrival.
            assert visit.visited_at == datetime.fromisoformat(item["recorded_at"])
            assert (visit.coach_id, str(visit.outcome)) == (world.coach.id,
                                                            item["visit"]["outcome"])
    conversation = db.session.get(Visit, uuid.UUID(answer["results"][3]["object_id"]))
    assert (conversation.themes, conversation.offers, conversation.willingness,
            conversation.household_size, conversation.notes) == (
        ["finances", "loneliness"], ["cooking"], 2, 3, "Koffie gedronken.")
    assert world.dwelling.household_size == 3
    assert latest_answers(world.dwelling) == {("themes", "finances"), ("themes", "loneliness"),
                                             ("offers", "cooking"), ("willingness", "2")}
    assert {kind: count(AuditEvent, AuditEvent.event_type == kind) - before
            for kind, before in logged.items()} == {"visit_recorded": 5, "resident_registered": 1}


def test_sending_twice_changes_nothing(coach, world):
    items = [visit_item(world.coach, world.dwelling, "talked", themes=["finances"]),
             resident_item(world.coach, world.dwelling, "Jan Smit")]
    first = sync(coach, *items)
    before = {model: count(model) for model in (Visit, Resident, SyncReceipt, AuditEvent,
                                                LatestAnswer)}

    again = sync(coach, *items)

    assert statuses(again) == ["already_applied"] * 2
    assert [r["object_id"] for r in again["results"]] == [r["object_id"] for r in first["results"]]
    assert {model: count(model) for model in before} == before


def latest_answers(dwelling: Any) -> set[tuple[str, str]]:
    return set(db.session.execute(select(LatestAnswer.question, LatestAnswer.answer)
                                  .where(LatestAnswer.dwelling_id == dwelling.id)).all())


def test_latest_answers_follow_the_time_at_the_door_not_the_time_of_arrival(coach, world):
    record_visit(world.coach, world.dwelling, {"outcome": "talked", "themes": ["housing"],
                                                "household_size": 2},
                 visited_at=at(60))
    db.session.commit()
    # Recorded at the door before the online conversation, sent after it: kept beside it.
    earlier = sync(coach, visit_item(world.coach, world.dwelling, "talked", minutes_ago=90,
                                     themes=["finances"], household_size=5))
    assert statuses(earlier) == ["applied"]
    assert latest_answers(world.dwelling) == {("themes", "housing")}
    assert world.dwelling.household_size == 2
    # Recorded after it: its answers become the household's latest.
    later = sync(coach, visit_item(world.coach, world.dwelling, "talked", minutes_ago=10,
                                   themes=["loneliness"], household_size=1))
    assert statuses(later) == ["applied"]
    assert latest_answers(world.dwelling) == {("themes", "loneliness")}
    assert world.dwelling.household_size == 1
    assert count(Visit, Visit.dwelling_id == world.dwelling.id) == 3


def test_two_coaches_recordings_of_one_door_both_stay(as_user, world):
    colleague = factories.create_user("flatcoach", world.welzijn)
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    db.session.commit()
    mine = visit_item(world.coach, world.dwelling, "talked", minutes_ago=20, themes=["housing"])
    theirs = visit_item(colleague, world.dwelling, "not_home", minutes_ago=25)

    assert statuses(sync(english(as_user(world.coach)), mine)) == ["applied"]
    assert statuses(sync(english(as_user(colleague)), theirs)) == ["applied"]

    visits = db.session.execute(select(Visit).where(Visit.dwelling_id == world.dwelling.id)
                                .order_by(Visit.visited_at)).scalars().all()
    assert [(v.coach_id, str(v.outcome)) for v in visits] == [(colleague.id, "not_home"),
                                                              (world.coach.id, "talked")]
    assert latest_answers(world.dwelling) == {("themes", "housing")}


# --- refused, and nothing of it written -------------------------------------------------------


def refused(answer: dict[str, Any], index: int = 0) -> str:
    result = answer["results"][index]
    assert result["status"] == "refused", result
    return result["message"]


def test_a_recording_by_another_user_is_refused(coach, world):
    answer = sync(coach, visit_item(world.other_coach, world.dwelling))
    assert refused(answer) == ("Recorded by another user than the one logged in: it cannot be "
                               "sent under this account.")
    assert count(Visit) == count(SyncReceipt) == 0


def test_a_door_outside_the_coachs_buildings_is_refused_like_an_unknown_one(coach, world):
    outside = visit_item(world.coach, world.other_dwelling)
    unknown = visit_item(world.coach, world.other_dwelling)
    unknown["visit"]["dwelling_id"] = 2_000_000_000
    answer = sync(coach, outside, unknown, visit_item(world.coach, world.dwelling))
    message = "This dwelling is unknown or not in one of your buildings."
    assert (refused(answer, 0), refused(answer, 1)) == (message, message)
    assert statuses(answer)[2] == "applied"
    assert count(Visit, Visit.dwelling_id == world.other_dwelling.id) == 0


def test_a_bsn_in_a_recording_refuses_that_recording_alone(coach, world):
    answer = sync(coach,
                  visit_item(world.coach, world.dwelling, "talked", notes=f"BSN {BSN} gezien"),
                  resident_item(world.coach, world.dwelling, f"Jan {BSN}"),
                  visit_item(world.coach, world.dwelling))
    for index, field in ((0, "visit"), (1, "resident")):
        assert "citizen service number (BSN)" in refused(answer, index)
        assert field in answer["results"][index]["errors"]
    assert statuses(answer)[2] == "applied"
    assert count(Visit) == 1
    assert count(Resident, Resident.display_name.contains(BSN)) == 0


def test_opening_a_case_is_online_only(coach, world):
    answer = sync(coach, visit_item(world.coach, world.dwelling, "talked",
                                    resident_id=str(world.resident.id), open_case=True))
    assert refused(answer) == "The recording is not valid: A case can only be opened online."
    assert count(Case) == count(Visit) == 0


@pytest.mark.parametrize("minutes_ago,message", [
    (-30, "The time recorded lies in the future: check the phone's clock."),
    (13 * 60, "Recorded more than 12 hours ago: a phone keeps recordings for 12 hours only."),
])
def test_a_time_at_the_door_the_server_cannot_believe_is_refused(coach, world, minutes_ago,
                                                                 message):
    answer = sync(coach, visit_item(world.coach, world.dwelling, minutes_ago=minutes_ago))
    assert refused(answer) == message
    assert count(Visit) == 0


def test_a_conversation_naming_a_refused_new_resident_is_refused_too(coach, world):
    newcomer = resident_item(world.coach, world.dwelling, "")
    answer = sync(coach, newcomer, visit_item(world.coach, world.dwelling, "talked",
                                              resident_client_id=newcomer["client_id"]))
    assert refused(answer, 0).startswith("The recording is not valid:")
    assert refused(answer, 1) == "The new resident this conversation names was not registered."
    assert count(Visit) == count(Resident, Resident.created_by_id == world.coach.id) == 0


def test_a_client_id_of_another_users_recording_is_refused(coach, as_user, world):
    client_id = uuid.uuid4()
    theirs = english(as_user(world.other_coach))
    assert statuses(sync(theirs, visit_item(world.other_coach, world.other_dwelling,
                                            client_id=client_id))) == ["applied"]
    answer = sync(coach, visit_item(world.coach, world.dwelling, client_id=client_id))
    assert refused(answer) == "This client id belongs to another recording."
    assert count(Visit, Visit.dwelling_id == world.dwelling.id) == 0


def test_a_recording_that_is_not_an_object_or_lacks_its_data_is_refused_alone(coach, world):
    no_payload = visit_item(world.coach, world.dwelling)
    del no_payload["visit"]
    both = visit_item(world.coach, world.dwelling)
    both["resident"] = {"dwelling_id": world.dwelling.id, "display_name": "Jan"}
    response = coach.post(SYNC, json={"items": [no_payload, both]})
    assert response.status_code == 200
    assert [r["errors"] for r in response.json["results"]] == [
        {"visit": ["Missing data for required field."]},
        {"resident": ["Send the data of the recording's kind only."]}]
    assert coach.post(SYNC, json={"items": ["not_home"]}).status_code == 422
    assert coach.post(SYNC, json={"items": []}).status_code == 422


# --- the pages: session and CSRF, never a token on the phone ----------------------------------


@pytest.fixture
def guarded(database_url: str) -> Any:
    """The app with CSRF protection on, as in production."""
    application = create_app({**make_test_config(database_url), "WTF_CSRF_ENABLED": True})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_the_pages_send_with_the_session_and_a_fresh_csrf_token(guarded, world):
    client = guarded.test_client()
    login_page = text(client.get("/login"))
    assert client.post("/login", data={
        "email": world.coach.email, "password": factories.PASSWORD,
        "csrf_token": hidden(login_page, "csrf_token")}).status_code == 302
    item = visit_item(world.coach, world.dwelling)
    assert client.post("/sync", json={"items": [item]}).status_code == 400  # no CSRF token
    assert client.post("/sync", json={"items": [item]},
                       headers={"X-CSRFToken": "forged"}).status_code == 400
    assert count(Visit) == 0

    session = client.get("/sync").json
    assert session["user_id"] == world.coach.id
    response = client.post("/sync", json={"items": [item]},
                           headers={"X-CSRFToken": session["csrf_token"]})
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "applied"
    assert client.post("/sync", json={"items": "x"},
                       headers={"X-CSRFToken": session["csrf_token"]}).status_code == 422

    anonymous = guarded.test_client()
    assert anonymous.get("/sync").status_code == 302
    assert anonymous.post("/sync", json={"items": [item]}).status_code == 400


def test_the_api_never_takes_the_session_cookie(http_app, world):
    client = web_login(http_app, world.coach)
    response = client.post(SYNC, json={"items": [visit_item(world.coach, world.dwelling)]})
    assert response.status_code == 401


def test_only_coaches_send_recordings(http_app, world):
    client = web_login(http_app, world.coordinator)
    assert client.get("/sync").status_code == 403
    assert client.get("/offline").status_code == 403


# --- what the phone keeps ---------------------------------------------------------------------


def test_the_copy_names_residents_only_where_this_coach_talked(http_app, world):
    quiet = factories.create_dwelling(world.building, floor=4)
    factories.create_resident(quiet, display_name="Henk Visser")
    record_visit(world.coach, world.dwelling, {"outcome": "talked", "notes": "Geheim"})
    record_visit(world.other_coach, world.other_dwelling, {"outcome": "talked"})
    db.session.commit()
    client = web_login(http_app, world.coach)

    copy = client.get("/offline/copy").json

    assert copy["user_id"] == world.coach.id
    [building] = copy["buildings"]
    assert (building["id"], building["name"]) == (world.building.id, world.building.name)
    doors = {door["id"]: door for door in building["doors"]}
    assert doors[world.dwelling.id]["outcome"] == "talked"
    assert doors[world.dwelling.id]["residents"] == [
        {"id": str(world.resident.id), "name": world.resident.display_name}]
    assert doors[quiet.id] == {"id": quiet.id, "address": quiet.address,
                               "number": quiet.number, "addition": quiet.addition,
                               "floor": 4, "outcome": "", "residents": []}
    assert "Geheim" not in str(copy) and "Henk" not in str(copy)


def test_the_page_without_a_signal_holds_no_residents_data(http_app, world):
    record_visit(world.coach, world.dwelling, {"outcome": "talked"})
    db.session.commit()
    client = web_login(http_app, world.coach)
    page = text(client.get("/offline"))
    assert world.resident.display_name not in page
    assert "Trajecten, toestemmingen en overdrachten kun je alleen online wijzigen." in page
    assert 'data-offline-kind="visit"' in page and 'name="open_case"' not in page


def test_the_app_installs_and_logout_deletes_what_the_phone_kept(http_app, world):
    client = web_login(http_app, world.coach)
    worker = client.get("/service-worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert '"shell": "/offline"' in text(worker)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["start_url"] == "/buildings" and len(manifest.json["icons"]) == 2
    page = text(client.get("/buildings"))
    assert 'rel="manifest"' in page and "offline.js" in page
    response = client.post("/logout", data={"csrf_token": hidden(page, "csrf_token")})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
