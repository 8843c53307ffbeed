"""The convenant in the application: no share and no consent to an organisation outside it,
a party that leaves stops receiving (its handovers withdrawn by the system), the register's
pages for the privacy officer, and the convenant named in the log and the consent record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.convenants.models import ConvenantParty
from app.db import db, utcnow
from app.handovers.models import Handover
from app.timers.operations import tick
from tests import factories
from tests.web import login as page_login
from tests.web import text

OUTSIDE = ("Deze organisatie is geen partij bij een samenwerkingsconvenant dat dit doel en deze "
           "soorten gegevens dekt. Vraag het de privacyfunctionaris; zonder convenant kan er "
           "niets met haar worden gedeeld.")


@pytest.fixture
def outsider(world: Any) -> Any:
    organization = factories.create_organization("Thuiszorg Noord", kind="other", party=False)
    db.session.commit()
    return organization


def _party(world: Any, organization: Any) -> ConvenantParty:
    return db.session.execute(select(ConvenantParty).where(
        ConvenantParty.organization_id == organization.id)).scalar_one()


def test_no_consent_is_recorded_for_an_organisation_outside_the_convenant(as_user, world,
                                                                       outsider):
    response = as_user(world.coach).post(f"/api/v1/residents/{world.resident.id}/consents", json={
        "purpose": "warm_handover", "recipient_organization_id": outsider.id,
        "data_categories": ["identity"]})

    assert response.status_code == 422
    assert response.json["errors"] == {"recipient_organization_id": [OUTSIDE]}


def test_the_consent_page_says_so_at_the_organisation_field(http_app, world, outsider):
    coach = page_login(http_app, world.coach)
    response = coach.post(f"/residents/{world.resident.id}/consents/new", data={
        "purpose": "warm_handover", "recipient_organization_id": str(outsider.id),
        "data_categories": ["identity"], "valid_until": (utcnow() + timedelta(days=90))
        .date().isoformat(), "answer": "refuse"})

    assert response.status_code == 422
    assert OUTSIDE in text(response)


def test_an_offer_to_an_organisation_that_left_is_refused_and_logged(as_user, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    draft = factories.create_handover(case, world.coach, world.buurtteam)
    _party(world, world.buurtteam).left_on = utcnow().date()
    db.session.commit()

    response = as_user(world.coach).post(f"/api/v1/handovers/{draft.id}/transitions",
                                         json={"trigger": "offer", "version": draft.version})

    assert response.status_code == 422
    assert "left Testconvenant (versie 1)" in response.json["message"]
    entry = db.session.execute(select(ProcessingLogEntry).order_by(
        ProcessingLogEntry.seq.desc())).scalars().first()
    assert (entry.action, entry.decision, entry.convenant_id) == ("offer_handover", "denied",
                                                                  None)


def test_an_allowed_share_names_its_convenant_in_the_log_and_the_consent_record(as_user, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         consent=consent)
    db.session.commit()
    convenant = factories.shared_convenant()

    entry = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.object_id == str(handover.id))).scalars().one()
    record = as_user(world.coach).get(f"/api/v1/consents/{consent.id}/record").json

    assert (entry.convenant_id, entry.convenant_version) == (str(convenant.id), "1")
    assert record["convenant"] == {"id": str(convenant.id), "title": "Testconvenant",
                                   "version": "1"}


def test_a_party_that_leaves_today_has_its_handovers_withdrawn_at_once(http_app, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    party = _party(world, world.buurtteam)
    convenant = factories.shared_convenant()
    db.session.commit()
    officer = page_login(http_app, world.privacy_officer)
    before = utcnow()

    response = officer.post(f"/privacy/convenants/{convenant.id}/parties/{party.id}/leave",
                            data={"left_on": utcnow().date().isoformat()})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Handover, handover.id).state == "withdrawn"
    assert before <= party.left_processed_at <= utcnow()
    [left] = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "convenant_party_left")).scalars()
    assert (left.actor_id, left.details["organization_id"]) == (world.privacy_officer.id,
                                                                world.buurtteam.id)
    withdrawal = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_id == str(handover.id), AuditEvent.trigger == "withdraw")).scalar_one()
    assert withdrawal.actor_id is None  # the system


def test_a_party_leaving_later_stops_receiving_on_that_day_by_the_timer(world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered")
    party = _party(world, world.buurtteam)
    from app.convenants.operations import leave

    day = utcnow().date() + timedelta(days=10)
    leave(world.privacy_officer, party, day)
    db.session.commit()
    tick(now=utcnow() + timedelta(days=9))
    assert db.session.get(Handover, handover.id).state == "offered"

    report = tick(now=utcnow() + timedelta(days=10, hours=1))

    assert report.departures_withdrawn == [str(handover.id)]
    assert db.session.get(Handover, handover.id).state == "withdrawn"
    assert tick(now=utcnow() + timedelta(days=11)).departures_withdrawn == []


def test_the_privacy_officer_adds_a_party_and_reads_the_printable_convenant(http_app, world,
                                                                          outsider):
    convenant = factories.shared_convenant()
    db.session.commit()
    officer = page_login(http_app, world.privacy_officer)
    register = text(officer.get("/privacy/convenants"))
    assert "Testconvenant" in register

    missing = officer.post(f"/privacy/convenants/{convenant.id}/parties", data={
        "organization_id": str(outsider.id), "role": "", "contact": "fg@thuiszorg.example",
        "joined_on": utcnow().date().isoformat()})
    assert missing.status_code == 422
    added = officer.post(f"/privacy/convenants/{convenant.id}/parties", data={
        "organization_id": str(outsider.id), "role": "Ontvangende partij: thuiszorg",
        "contact": "fg@thuiszorg.example", "joined_on": utcnow().date().isoformat()})

    assert added.status_code == 302
    page = text(officer.get(f"/privacy/convenants/{convenant.id}"))
    assert "Thuiszorg Noord" in page and "fg@thuiszorg.example" in page
    assert "Warme overdracht" in page
    assert convenant.text_sha256 in page
    joined = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "convenant_party_joined")).scalars().all()
    assert [e.details["organization_id"] for e in joined][-1] == outsider.id


def test_only_the_privacy_officer_keeps_the_register(http_app, world):
    convenant = factories.shared_convenant()
    db.session.commit()
    for user in (world.coach, world.coordinator, world.professional):
        assert page_login(http_app, user).get(
            f"/privacy/convenants/{convenant.id}").status_code == 403


def test_everyone_reads_the_convenants_through_the_api(as_user, world):
    factories.shared_convenant()
    db.session.commit()

    [convenant] = as_user(world.professional).get("/api/v1/convenants").json

    assert convenant["title"] == "Testconvenant"
    assert {p["organization_id"] for p in convenant["parties"]} >= {
        world.buurtteam.id, world.schuldhulp.id, world.welzijn.id}
    assert "warm_handover" in convenant["activities"]


def test_the_cli_records_a_convenant_with_its_parties(app, world, tmp_path):
    import json

    (tmp_path / "tekst.md").write_text("# Convenant Noord\n\nAfspraken.\n", encoding="utf-8")
    spec = {"title": "Convenant Noord", "version": "2027-1", "text_file": "tekst.md",
            "valid_from": "2027-01-01",
            "activities": {"warm_handover": ["identity", "contact"]},
            "parties": [{"organization": world.buurtteam.name, "role": "Ontvanger",
                         "contact": "fg@buurtteam.example", "joined_on": "2027-01-01"}]}
    (tmp_path / "convenant.json").write_text(json.dumps(spec), encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["convenant", "create",
                                                str(tmp_path / "convenant.json")])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("recorded Convenant Noord version 2027-1 with 1 parties")
    again = app.test_cli_runner().invoke(args=["convenant", "create",
                                               str(tmp_path / "convenant.json")])
    assert again.exit_code == 1
    assert "bestaat al" in again.output or "exists already" in again.output


def test_the_signed_text_is_shown_as_text_never_as_markup():
    from app.convenants.views import text_blocks

    assert text_blocks("# Titel\n\n## Doel\nDe partijen werken\nsamen.\n\n1. Eén\n   vervolg\n"
                       "- Twee <script>\n") == [
        ("heading", "Titel"), ("heading", "Doel"), ("paragraph", "De partijen werken samen."),
        ("item", "Eén vervolg"), ("item", "Twee <script>")]
