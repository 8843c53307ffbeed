"""The door round without a signal, in a real browser at phone size: after one visit of "Mijn
flats" with a connection, the coach's buildings, door grids and the visit form work offline;
"Niet thuis", a conversation and a new resident wait on the phone (also across a reload),
always counted in view, and are applied once when the connection is back. A resend changes
nothing; a second coach's recording of the same door stays beside the first, the door's
latest answers follow the time at the door, and a new resident with a name like that of a
resident already registered is flagged for the coach to decide — never merged by itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import exists, func, select

from tests.browser.conftest import DEMO_PASSWORD, assert_fits_phone, screenshot, shows, unfold

pytestmark = pytest.mark.browser

BUILDING = "Zambesidreef"  # coach 1's; the other browser tests work Tigrisdreef


def _doors(live_server: Any, count: int, *, with_resident: bool = False) -> tuple[int, list[Any]]:
    """The building's id and `count` doors of it nobody has visited, lowest floors first:
    with a resident registered (and their name), or with nobody registered."""
    from app.buildings.models import Building, Dwelling
    from app.db import db
    from app.residents.models import Resident
    from app.visits.models import Visit

    def find() -> tuple[int, list[Any]]:
        registered = exists().where(Resident.dwelling_id == Dwelling.id)
        rows = db.session.execute(
            select(Dwelling).join(Building, Building.id == Dwelling.building_id)
            .where(Building.name == BUILDING, ~exists().where(Visit.dwelling_id == Dwelling.id),
                   registered if with_resident else ~registered)
            .order_by(Dwelling.floor, Dwelling.number).limit(count)
        ).scalars().all()
        found = []
        for dwelling in rows:
            name = db.session.execute(select(Resident.display_name).where(
                Resident.dwelling_id == dwelling.id).order_by(Resident.display_name)
            ).scalars().first()
            found.append((dwelling.id, dwelling.floor, name))
        return rows[0].building_id, found

    return live_server.query(find)


def _until(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def _ready_offline(phone: Any, email: str) -> Any:
    """Logged in, one visit of "Mijn flats" with a connection, then the signal gone."""
    page = phone(email)
    page.goto("/buildings")
    assert "Mijn flats" in page.content()
    expect(page.locator("#offline-bar")).to_have_attribute("data-ready", "true", timeout=30_000)
    shows(page, "Klaar om zonder bereik te werken.")
    return page


def _waiting(page: Any, count: int) -> None:
    expect(page.locator("#offline-bar")).to_have_attribute("data-waiting", str(count))


def _door(page: Any, building_id: int, dwelling_id: int) -> None:
    page.click(f"a[href='/dwellings/{dwelling_id}']")
    page.wait_for_url(f"**/dwellings/{dwelling_id}")
    expect(page.locator("form[data-offline-kind=visit]")).to_be_visible()


def _back_on_the_grid(page: Any, building_id: int) -> None:
    page.wait_for_url(f"**/buildings/{building_id}*")
    shows(page, "Bewaard op deze telefoon")


def _nobody_home(page: Any, building_id: int, dwelling_id: int) -> None:
    _door(page, building_id, dwelling_id)
    page.click("form[data-offline-kind=not_home] button")
    _back_on_the_grid(page, building_id)


def _applied(live_server: Any, coach_email: str) -> dict[str, Any]:
    from app.auth.models import User
    from app.db import db
    from app.sync.models import SyncReceipt

    def read() -> dict[str, Any]:
        user = db.session.execute(select(User).where(User.email == coach_email)).scalar_one()
        receipts = db.session.execute(select(SyncReceipt).where(SyncReceipt.user_id == user.id)
                                      ).scalars().all()
        return {str(r.client_id): (str(r.kind), r.object_id) for r in receipts}

    return live_server.query(read)


def _visits_at(live_server: Any, dwelling_id: int) -> list[Any]:
    from app.db import db
    from app.visits.models import Visit

    return live_server.query(lambda: [
        (visit.coach_id, str(visit.outcome), visit.themes, visit.resident_id, visit.visited_at)
        for visit in db.session.execute(select(Visit).where(Visit.dwelling_id == dwelling_id)
                                        .order_by(Visit.visited_at)).scalars()])


def _queue(page: Any) -> list[dict[str, Any]]:
    """The recordings on the phone, as kept in its IndexedDB."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("buurtpad-offline");
        open.onsuccess = () => {
            const request = open.result.transaction("queue").objectStore("queue").getAll();
            request.onsuccess = () => { open.result.close(); resolve(request.result); };
            request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def test_a_round_recorded_without_a_signal_is_applied_once(phone: Any, live_server: Any) -> None:
    building_id, doors = _doors(live_server, 5)
    page = _ready_offline(phone, "coach@buurtpad.test")
    assert_fits_phone(page)
    screenshot(page, "offline-01-ready")
    page.context.set_offline(True)

    page.click(f"a[href='/buildings/{building_id}']")
    page.wait_for_url(f"**/buildings/{building_id}")
    shows(page, "Geen verbinding.")
    shows(page, "Trajecten, toestemmingen en overdrachten kun je alleen online wijzigen.")
    expect(page.locator(f"a.door[href='/dwellings/{doors[0][0]}']")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "offline-02-grid")

    for dwelling_id, _floor, _name in doors[:3]:
        _nobody_home(page, building_id, dwelling_id)
    _waiting(page, 3)
    shows(page, "3 vastleggingen wachten op verzending")
    expect(page.locator("[data-sync-now]")).to_be_visible()

    # A conversation with its answers, with someone whose name is not known.
    conversation = doors[3][0]
    _door(page, building_id, conversation)
    shows(page, "Een traject openen kan alleen online")
    page.check("input[name=outcome][value=talked]")
    unfold(page)
    page.check("input[name=themes][value=finances]")
    page.check("input[name=themes][value=loneliness]")
    page.check("input[name=offers][value=cooking]")
    page.check("input[name=willingness][value='2']")
    page.fill("input[name=household_size]", "3")
    page.fill("textarea[name=notes]", "Vriendelijk gesprek aan de deur.")
    assert_fits_phone(page)
    screenshot(page, "offline-03-door")
    page.click("form[data-offline-kind=visit] button[type=submit]")
    _back_on_the_grid(page, building_id)

    # A new resident at a door, and the conversation with them.
    newcomer = doors[4][0]
    _door(page, building_id, newcomer)
    page.check("input[name=resident][value=new]")
    page.click("form[data-offline-kind=visit] button[type=submit]")
    shows(page, "Geef de naam waarmee de bewoner aangesproken wil worden.")  # checked first
    page.fill("input[name=new_resident_name]", "Noor Offline")
    page.fill("input[name=new_resident_birth_year]", "1961")
    unfold(page)
    page.check("input[name=themes][value=housing]")
    page.click("form[data-offline-kind=visit] button[type=submit]")
    _back_on_the_grid(page, building_id)
    _waiting(page, 6)
    assert page.locator(".door.pending").count() == 5
    assert _applied(live_server, "coach@buurtpad.test") == {}
    assert_fits_phone(page)
    screenshot(page, "offline-04-queue")

    # Reloaded without a signal: the page and the queue are still there.
    page.reload()
    page.wait_for_url(f"**/buildings/{building_id}*")
    shows(page, "Geen verbinding.")
    _waiting(page, 6)
    assert page.locator(".door.pending").count() == 5
    recorded = _queue(page)
    assert len(recorded) == 6 and all("token" not in str(item).lower() for item in recorded)
    _door(page, building_id, newcomer)
    shows(page, "Noor Offline (nog niet verstuurd)")
    screenshot(page, "offline-05-reloaded-door")
    page.go_back()
    page.wait_for_url(f"**/buildings/{building_id}*")

    # The connection is back: everything is sent by itself, and applied once.
    from app.db import utcnow

    back_online = utcnow()
    page.context.set_offline(False)
    applied = _until(lambda: len(_applied(live_server, "coach@buurtpad.test")) == 6 and
                     _applied(live_server, "coach@buurtpad.test"))
    assert applied, "the recordings were not sent when the connection came back"
    # Back on the page from the server, the door grid with what was recorded.
    expect(page.locator("[data-shell]")).to_have_count(0, timeout=20_000)
    page.wait_for_load_state()
    _waiting(page, 0)
    assert set(applied) == {item["client_id"] for item in recorded}
    for dwelling_id, _floor, _name in doors[:3]:
        [visit] = _visits_at(live_server, dwelling_id)
        assert visit[:2] == (visit[0], "not_home")
    [talk] = _visits_at(live_server, conversation)
    assert (talk[1], sorted(talk[2])) == ("talked", ["finances", "loneliness"])
    [with_noor] = _visits_at(live_server, newcomer)
    assert with_noor[1] == "talked" and with_noor[3] is not None
    resident_ids = [object_id for kind, object_id in applied.values() if kind == "resident"]
    assert resident_ids == [with_noor[3]]
    # Each visit carries the time it was recorded at the door, before it reached the server.
    for dwelling_id, _floor, _name in doors:
        assert all(visit[4] < back_online for visit in _visits_at(live_server, dwelling_id))
    assert_fits_phone(page)
    screenshot(page, "offline-06-sent")


def _second_coach(live_server: Any) -> str:
    """Another coach of the same building, so that two phones record one door."""
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.auth.permissions import Role
    from app.buildings.models import Building, CoachAssignment
    from app.db import db

    email = "coach-zambesi@buurtpad.test"

    def make() -> str:
        coach = db.session.execute(select(User).where(User.email == "coach@buurtpad.test")
                                   ).scalar_one()
        colleague = User(email=email, name="Sanne de Wit", role=Role.FLATCOACH,
                         organization_id=coach.organization_id,
                         password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(colleague)
        db.session.flush()
        building = db.session.execute(select(Building).where(Building.name == BUILDING)
                                      ).scalar_one()
        db.session.add(CoachAssignment(user_id=colleague.id, building_id=building.id))
        db.session.commit()
        return email

    return live_server.query(make)


def test_a_resend_a_second_coach_and_a_possible_duplicate(phone: Any, live_server: Any) -> None:
    from app.db import db
    from app.residents.models import PossibleDuplicate, Resident
    from app.visits.models import LatestAnswer

    building_id, [(door, floor, existing_name)] = _doors(live_server, 1, with_resident=True)
    colleague = _second_coach(live_server)
    page = _ready_offline(phone, "coach@buurtpad.test")
    page.context.set_offline(True)

    # Coach 1, without a signal: a new resident whose name is the existing one's, written
    # differently, and the conversation with them.
    page.click(f"a[href='/buildings/{building_id}']")
    page.wait_for_url(f"**/buildings/{building_id}")
    _door(page, building_id, door)
    page.check("input[name=resident][value=new]")
    page.fill("input[name=new_resident_name]", f"  {existing_name.upper()} ")
    page.check("input[name=outcome][value=talked]")
    unfold(page)
    page.check("input[name=themes][value=finances]")
    page.click("form[data-offline-kind=visit] button[type=submit]")
    _back_on_the_grid(page, building_id)
    _waiting(page, 2)
    recorded = _queue(page)

    # Coach 2 talks at the same door a little later, online.
    time.sleep(1.1)
    other = phone(colleague)
    other.goto(f"/dwellings/{door}")
    other.check("input[name=outcome][value=talked]")
    unfold(other)
    other.check("input[name=themes][value=work_income]")
    other.click("form[data-offline-kind=visit] button[type=submit]")
    shows(other, "Bezoek vastgelegd.")

    # Coach 1's connection comes back, but the first attempt to send fails: the recordings
    # stay on the phone, and the button sends them. The earlier recording arrives last.
    page.route("**/sync", lambda route: route.abort())
    page.context.set_offline(False)
    shows(page, "Versturen is niet gelukt; de vastleggingen blijven op deze telefoon.")
    _waiting(page, 2)
    assert not set(_applied(live_server, "coach@buurtpad.test")) & {
        item["client_id"] for item in recorded}
    page.unroute("**/sync")
    page.click("[data-sync-now]")
    _waiting(page, 0)
    mine = {item["client_id"] for item in recorded}
    assert mine <= set(_applied(live_server, "coach@buurtpad.test"))

    # Sending the same recordings again (an answer lost on the way) changes nothing.
    wire = [{key: value for key, value in item.items() if key != "local"} for item in recorded]
    answer = page.evaluate("""async (items) => {
        const session = await (await fetch("/sync", {headers: {Accept: "application/json"}})).json();
        const response = await fetch("/sync", {method: "POST", headers: {
            "Content-Type": "application/json", "X-CSRFToken": session.csrf_token},
            body: JSON.stringify({items})});
        return {status: response.status, body: await response.json()};
    }""", wire)
    assert answer["status"] == 200
    assert [r["status"] for r in answer["body"]["results"]] == ["already_applied"] * 2
    forged = page.evaluate("""async (items) => (await fetch("/sync", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({items})})).status""",
                           wire)
    assert forged == 400  # no CSRF token

    # Both conversations stay; the latest answers are coach 2's, recorded later at the door.
    visits = _visits_at(live_server, door)
    assert [(outcome, themes) for _coach, outcome, themes, _r, _at in visits] == [
        ("talked", ["finances"]), ("talked", ["work_income"])]
    assert len({coach for coach, *_rest in visits}) == 2
    assert live_server.query(lambda: sorted(db.session.execute(
        select(LatestAnswer.answer).where(LatestAnswer.dwelling_id == door,
                                          LatestAnswer.question == "themes")).scalars())
                             ) == ["work_income"]

    # The new resident is flagged beside the existing one, not merged.
    flags = live_server.query(lambda: [(f.state.value, f.resident_id, f.existing_resident_id)
                                       for f in db.session.execute(select(PossibleDuplicate)
                                       .where(PossibleDuplicate.dwelling_id == door)).scalars()])
    assert len(flags) == 1 and flags[0][0] == "open"
    assert live_server.query(lambda: db.session.execute(select(func.count()).select_from(
        Resident).where(Resident.dwelling_id == door)).scalar_one()) >= 2

    # The coach decides on the door's page: one person.
    page.goto(f"/dwellings/{door}")
    shows(page, "Mogelijk dezelfde persoon")
    assert_fits_phone(page)
    screenshot(page, "offline-07-possible-duplicate")
    page.click("button:has-text('Eén persoon: samenvoegen')")
    shows(page, "Samengevoegd:")
    assert live_server.query(lambda: db.session.execute(select(PossibleDuplicate.state).where(
        PossibleDuplicate.dwelling_id == door)).scalar_one().value) == "merged"
    assert live_server.query(lambda: db.session.get(Resident, flags[0][1])) is None
    assert {resident for *_rest, resident, _at in _visits_at(live_server, door)
            if resident is not None} == {flags[0][2]}


def test_what_the_phone_keeps_goes_after_12_hours_and_at_logout(phone: Any,
                                                                 live_server: Any) -> None:
    building_id, _doors_ = _doors(live_server, 1)
    page = _ready_offline(phone, "coach@buurtpad.test")
    # Twelve hours and a bit later: the copy and a recording kept since then.
    page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("buurtpad-offline");
        open.onsuccess = () => {
            const db = open.result;
            const then = Date.now() - 13 * 3600 * 1000;
            const transaction = db.transaction(["copy", "queue"], "readwrite");
            const copies = transaction.objectStore("copy");
            const read = copies.get("copy");
            read.onsuccess = () => { read.result.stored_at = then; copies.put(read.result, "copy"); };
            transaction.objectStore("queue").put({client_id: crypto.randomUUID(), kind: "visit",
                recorded_at: new Date(then).toISOString(), recorded_by: 0,
                visit: {dwelling_id: 1, outcome: "not_home"},
                local: {state: "waiting", seq: 1, dwelling_id: 1, what: {outcome: "not_home"}}});
            transaction.oncomplete = () => { db.close(); resolve(); };
            transaction.onerror = () => reject(transaction.error);
        };
    })""")
    page.context.set_offline(True)
    page.click(f"a[href='/buildings/{building_id}']")
    page.wait_for_url(f"**/buildings/{building_id}")
    shows(page, "Er staat (nog) geen kopie van je flats op deze telefoon.")
    _waiting(page, 0)
    assert page.locator(".door").count() == 0
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    screenshot(page, "offline-08-expired")

    # With a connection again, the copy is fetched anew; logging out deletes it all.
    page.context.set_offline(False)
    expect(page.locator("[data-shell]")).to_have_count(0, timeout=20_000)  # back from the server
    page.goto("/buildings")
    expect(page.locator("#offline-bar")).to_have_attribute("data-ready", "true", timeout=30_000)
    assert page.evaluate("async () => (await caches.keys()).length") == 1
    page.click("summary:has-text('Menu')")
    page.click("button:has-text('Uitloggen')")
    page.wait_for_url("**/login")
    shows(page, "Je bent uitgelogd.")
    kept = page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map((db) => db.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length})""")
    assert kept == {"databases": [], "caches": [], "workers": 0}
