"""The sociale kaart in HSDS 3.0: an HSDS sample imports (each record reported), partner
organisations are linked to Buurtpad's by identifier, the directory exports in HSDS and the
export imports again unchanged; invalid records are skipped with the reason, nothing is ever
half-imported, and strict or dry runs store nothing."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEvent
from app.db import db
from app.directory.models import (
    OrganizationIdentifier,
    PartnerLocation,
    PartnerOrganization,
    PartnerService,
    PartnerServiceAtLocation,
)
from app.directory.operations import export_document, import_document, set_identifiers
from tests.conftest import make_test_config

SAMPLE_FILE = Path(__file__).parent / "data" / "sociale_kaart_overvecht.hsds.json"
SAMPLE = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
BUURTTEAM = "e03cd193-a7dc-476e-8df5-3569e6fb485b"
SCHULDHULP = "8f07f692-8eea-4e80-bcc4-32ee7c398e31"
TAALCAFE = "aa616a78-0a01-4121-9123-4863e3d19795"
GELDZAKEN = "eee26568-4711-48a4-a1da-594059550dc8"
SPREEKUUR = "032896c3-34a7-4af0-b72a-4bb1b2822f0b"
BUURTKAMER = "bf51986d-ab8a-4c6e-8647-4a8e00d08bc3"
WIJKBUREAU = "c599b3ca-19c7-4801-ae6a-eee212adecd2"
IMPORT = "/api/v1/directory/import"
BSN = ("Deze tekst bevat een nummer dat op een burgerservicenummer (BSN) lijkt. Buurtpad slaat "
       "nooit BSN's op: haal het nummer weg.")
MODELS = (PartnerOrganization, PartnerService, PartnerLocation, PartnerServiceAtLocation)


def counts() -> tuple[int, ...]:
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in MODELS)


def statuses(report: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    return {(r["record"], r["id"]): r["status"] for r in report["records"]}


@pytest.fixture
def identified(world) -> Any:
    """The world's buurtteam and schuldhulp carry the KvK numbers of the sample."""
    set_identifiers(world.coordinator, world.buurtteam,
                    [{"scheme": "NL-KVK", "identifier": "30123457"}])
    set_identifiers(world.coordinator, world.schuldhulp,
                    [{"scheme": "NL-KVK", "identifier": "41178830"}])
    db.session.commit()
    return world


def test_the_sample_imports_record_by_record(identified, as_user):
    world = identified
    response = as_user(world.coordinator).post(IMPORT, json=SAMPLE)
    assert response.status_code == 200, response.json
    report = response.json
    assert (report["committed"], report["imported"], report["updated"], report["skipped"]) == (
        True, 20, 0, 0)
    assert report["ignored"] == {"phone": 1}
    by_id = {r["id"]: r for r in report["records"]}
    # Organisations linked by identifier; the taalcafé is known to no Buurtpad organisation.
    assert by_id[BUURTTEAM]["organization_id"] == world.buurtteam.id
    assert by_id[SCHULDHULP]["organization_id"] == world.schuldhulp.id
    assert by_id[TAALCAFE]["organization_id"] is None
    assert by_id[TAALCAFE]["reason"] == (
        "Niet gekoppeld aan een organisatie in Buurtpad: geen enkele heeft een van zijn "
        "identificatiecodes.")
    assert counts() == (3, 5, 3, 4)
    # Nested records were read with their parents.
    geldzaken = db.session.get(PartnerService, uuid.UUID(GELDZAKEN))
    assert [at.location.name for at in geldzaken.at_locations] == ["Wijkbureau Overvecht"]
    buurtkamer = db.session.get(PartnerLocation, uuid.UUID(BUURTKAMER))
    assert buurtkamer.addresses[0]["address_1"] == "Tigrisdreef 2"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "directory_imported")).scalar_one()
    assert event.actor_id == world.coordinator.id
    assert event.details == {"imported": 20, "updated": 0, "skipped": 0}


def test_export_holds_what_was_imported_and_imports_again_unchanged(identified, as_user):
    coordinator = as_user(identified.coordinator)
    coordinator.post(IMPORT, json=SAMPLE)
    exported = coordinator.get("/api/v1/directory/export").json
    assert set(exported) == {"organization", "organization_identifier", "service", "location",
                             "address", "service_at_location"}
    assert len(exported["organization"]) == 3 and len(exported["organization_identifier"]) == 3
    assert len(exported["address"]) == 2 and len(exported["service_at_location"]) == 4
    schuldhulp = next(o for o in exported["organization"] if o["id"] == SCHULDHULP)
    assert schuldhulp == {"id": SCHULDHULP, "name": "Schuldhulp Utrecht",
                          "description": "Hulp bij schulden, budgetbeheer en de post.",
                          "website": "https://schuldhulp.example"}  # tax_status is not kept
    again = coordinator.post(IMPORT, json=exported).json
    assert (again["imported"], again["updated"], again["skipped"]) == (0, 20, 0)
    assert coordinator.get("/api/v1/directory/export").json == exported


def test_round_trip_into_an_empty_directory(identified, ctx, tmp_path):
    """import → export → import elsewhere → export: the same document."""
    import_document(identified.coordinator, SAMPLE)
    first = export_document()
    db.session.rollback()
    other = create_app(make_test_config(f"sqlite:///{tmp_path / 'other.sqlite3'}"))
    try:
        with other.app_context():
            upgrade()
            file = tmp_path / "export.json"
            file.write_text(json.dumps(first), encoding="utf-8")
            result = other.test_cli_runner().invoke(args=["directory", "import", str(file)])
            assert result.exit_code == 0, result.output
            assert "20 imported, 0 updated, 0 skipped; stored." in result.output
            out = tmp_path / "again.json"
            exported = other.test_cli_runner().invoke(args=["directory", "export", "--output",
                                                            str(out)])
            assert exported.exit_code == 0
            assert json.loads(out.read_text(encoding="utf-8")) == first
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()


def no_parent(field: str, table: str) -> str:
    return f"{field} verwijst naar geen {table} in dit document of in de sociale kaart."


def broken_sample() -> dict[str, Any]:
    doc = copy.deepcopy(SAMPLE)
    taalcafe = doc["organization"][2]
    del taalcafe["name"]  # HSDS requires a name
    doc["organization"].append("not a record")
    doc["organization"].append({**doc["organization"][1], "name": "Dubbel"})  # same id again
    doc["organization_identifier"][0]["identifier"] = "30276512"  # passes the eleven-test
    doc["service"][0]["status"] = "open"  # not an HSDS status
    doc["location"][1]["latitude"] = 123.0
    return doc


def test_invalid_records_are_skipped_with_the_reason_and_the_rest_imported(identified,
                                                                          as_user):
    report = as_user(identified.coordinator).post(IMPORT, json=broken_sample()).json
    assert report["committed"] is True
    skipped = {(r["record"], r["id"] or f"#{r['index']}"): r["reason"]
               for r in report["records"] if r["status"] == "skipped"}
    assert skipped == {
        ("organization", TAALCAFE): "name: Missing data for required field.",
        ("organization", "#3"): "geen JSON-object",
        ("organization", SCHULDHULP): "Een ander organization-record heeft hetzelfde id.",
        ("organization_identifier", "184c386b-7708-49ec-9258-bf6d628deba0"): (
            f"identifier: {BSN}"),
        # The taalcafé's own records follow it.
        ("organization_identifier", "ee7c9e3d-d9e7-478d-88ba-605997ab9496"):
            no_parent("organization_id", "organization"),
        ("service", "ebad180d-f9f4-4bc1-81eb-91d3196aa89d"):
            no_parent("organization_id", "organization"),
        ("service", GELDZAKEN): "status: Must be one of: active, inactive, defunct, "
                                "temporarily closed.",
        ("location", WIJKBUREAU): "latitude: Must be greater than or equal to -90 and less "
                                  "than or equal to 90.",
        # … and so do the records of the skipped service and location.
        ("address", "5b7e0f0e-2f57-4a8a-9a57-6c1e43a5b1d2"):
            no_parent("location_id", "location"),
        ("service_at_location", "85f9ff1e-34d3-45c3-9f65-efc04e929b0a"):
            no_parent("service_id", "service"),
        ("service_at_location", "9c8b7a6d-5e4f-4321-8fed-cba987654321"):
            no_parent("service_id", "service"),
    }
    assert (report["imported"], report["skipped"]) == (11, 11)
    assert counts() == (2, 3, 2, 2)
    # Without the identifier that was refused, the schuldhulp is not linked.
    schuldhulp = db.session.get(PartnerOrganization, uuid.UUID(SCHULDHULP))
    assert schuldhulp.organization_id is None


def test_strict_and_dry_runs_store_nothing(identified, as_user):
    coordinator = as_user(identified.coordinator)
    strict = coordinator.post(IMPORT + "?strict=true", json=broken_sample()).json
    assert (strict["committed"], strict["skipped"]) == (False, 11)
    dry = coordinator.post(IMPORT + "?dry_run=true", json=SAMPLE).json
    assert (dry["committed"], dry["imported"]) == (False, 20)
    assert counts() == (0, 0, 0, 0)
    assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event_type == "directory_imported")).scalar() == 0
    # Strict with nothing skipped stores it all.
    assert coordinator.post(IMPORT + "?strict=true", json=SAMPLE).json["committed"] is True
    assert counts() == (3, 5, 3, 4)


@pytest.mark.parametrize("document", [[SAMPLE], {"organization": {"id": BUURTTEAM}}])
def test_what_is_not_an_hsds_document_is_refused(identified, as_user, document):
    response = as_user(identified.coordinator).post(IMPORT, json=document)
    assert response.status_code == 422
    assert counts() == (0, 0, 0, 0)


def test_the_cli_reports_each_record_and_strict_exits_1(identified, app, tmp_path):
    file = tmp_path / "broken.json"
    file.write_text(json.dumps(broken_sample()), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["directory", "import", "--strict", str(file)])
    assert result.exit_code == 1
    assert f"service {GELDZAKEN}: skipped — status: Must be one of" in result.output
    assert "phone: 1 records ignored" in result.output
    assert result.output.rstrip().endswith("11 imported, 0 updated, 11 skipped; nothing stored.")
    file.write_text("[1, 2", encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["directory", "import", str(file)]).exit_code == 1


def test_identifiers_link_partner_organisations(world, as_user):
    coordinator = as_user(world.coordinator)
    coordinator.post(IMPORT, json=SAMPLE)
    assert db.session.execute(select(func.count()).select_from(PartnerOrganization).where(
        PartnerOrganization.organization_id.is_not(None))).scalar() == 0
    url = f"/api/v1/directory/organizations/{world.buurtteam.id}/identifiers"
    response = coordinator.put(url, json={"identifiers": [
        {"scheme": "NL-KVK", "identifier": "30123457"}]})
    assert response.status_code == 200
    assert response.json == [{"scheme": "NL-KVK", "identifier": "30123457"}]
    buurtteam = db.session.get(PartnerOrganization, uuid.UUID(BUURTTEAM))
    assert buurtteam.organization_id == world.buurtteam.id
    taken = coordinator.put(f"/api/v1/directory/organizations/{world.schuldhulp.id}/"
                            "identifiers", json={"identifiers": [
                                {"scheme": "NL-KVK", "identifier": "30123457"}]})
    assert taken.status_code == 409
    assert coordinator.put("/api/v1/directory/organizations/999999/identifiers",
                           json={"identifiers": []}).status_code == 404
    assert coordinator.put(url, json={"identifiers": []}).json == []
    assert db.session.execute(select(func.count()).select_from(
        OrganizationIdentifier)).scalar() == 0


def test_everyone_reads_the_services_of_linked_organisations(identified, as_user):
    world = identified
    as_user(world.coordinator).post(IMPORT, json=SAMPLE)
    services = as_user(world.coach).get("/api/v1/directory/services").json
    # The taalcafé is not linked: its service cannot be named by a handover.
    assert [(s["partner_organization"], s["name"]) for s in services] == [
        ("Buurtteam Overvecht", "Opvoedondersteuning"),
        ("Buurtteam Overvecht", "Spreekuur buurtteam"),
        ("Schuldhulp Utrecht", "Budgetcursus"),
        ("Schuldhulp Utrecht", "Ondersteuning bij geldzaken"),
    ]
    spreekuur = next(s for s in services if s["id"] == SPREEKUUR)
    assert spreekuur["organization_id"] == world.buurtteam.id
    assert spreekuur["locations"] == [{"id": BUURTKAMER, "name": "Buurtkamer Tigrisdreef",
                                       "location_type": "physical",
                                       "address": "Tigrisdreef 2, 3561 JA Utrecht"}]
    mine = as_user(world.professional).get(
        f"/api/v1/directory/services?organization_id={world.schuldhulp.id}").json
    assert {s["name"] for s in mine} == {"Budgetcursus", "Ondersteuning bij geldzaken"}


@pytest.mark.parametrize("role", ["flatcoach", "professional", "privacy_officer"])
def test_only_the_coordinator_imports_and_exports(world, as_user, role):
    client = as_user(world.user(role))
    assert client.post(IMPORT, json=SAMPLE).status_code == 403
    assert client.get("/api/v1/directory/export").status_code == 403



def test_records_nested_as_the_hsds_api_nests_them(identified, ctx):
    """An organisation with its identifiers and services nested, a service with where it is
    offered, the location itself nested in that."""
    document = {"organizations": [{
        "id": BUURTTEAM, "name": "Buurtteam Overvecht", "description": "",
        "organization_identifiers": [{"id": "eccf88f7-5265-4825-a63b-1d5e381071c9",
                                      "identifier_scheme": "NL-KVK",
                                      "identifier_type": "KvK-nummer",
                                      "identifier": "30123457"}],
        "services": [{"id": SPREEKUUR, "name": "Spreekuur buurtteam", "status": "active",
                      "service_at_locations": [{
                          "id": "4e1f3a52-8d7b-4c8e-b1a0-2f6d9c3e7a41",
                          "location": {"id": BUURTKAMER, "location_type": "physical",
                                       "name": "Buurtkamer Tigrisdreef"}}]}]}]}
    report = import_document(identified.coordinator, document)
    assert [(o.record, o.status) for o in report.outcomes] == [
        ("organization", "imported"), ("organization_identifier", "imported"),
        ("service", "imported"), ("location", "imported"), ("service_at_location", "imported")]
    assert report.outcomes[0].organization_id == identified.buurtteam.id
    exported = export_document()
    assert exported["service_at_location"] == [{
        "id": "4e1f3a52-8d7b-4c8e-b1a0-2f6d9c3e7a41", "service_id": SPREEKUUR,
        "location_id": BUURTKAMER}]
