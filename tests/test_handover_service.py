"""A warm handover may name the partner service (and where) it is offered to, from the
sociale kaart: only a service of the receiving organisation, still active, and a place where
it is offered; the professional's inbox and the handover page show it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from app.db import db
from app.directory.operations import import_document, set_identifiers
from tests import factories
from tests.web import login, text

SAMPLE = json.loads((Path(__file__).parent / "data" / "sociale_kaart_overvecht.hsds.json")
                    .read_text(encoding="utf-8"))
SPREEKUUR = "032896c3-34a7-4af0-b72a-4bb1b2822f0b"  # buurtteam, at the Buurtkamer
BUDGETCURSUS = "9b0f29ca-0ff1-41e9-a874-85174686b5e7"  # schuldhulp, inactive
GELDZAKEN = "eee26568-4711-48a4-a1da-594059550dc8"  # schuldhulp, at the Wijkbureau
BUURTKAMER = "bf51986d-ab8a-4c6e-8647-4a8e00d08bc3"
WIJKBUREAU = "c599b3ca-19c7-4801-ae6a-eee212adecd2"
LABEL = "Spreekuur buurtteam · Buurtkamer Tigrisdreef (Tigrisdreef 2, 3561 JA Utrecht)"


@pytest.fixture
def kaart(world):
    set_identifiers(world.coordinator, world.buurtteam,
                    [{"scheme": "NL-KVK", "identifier": "30123457"}])
    set_identifiers(world.coordinator, world.schuldhulp,
                    [{"scheme": "NL-KVK", "identifier": "41178830"}])
    import_document(world.coordinator, SAMPLE)
    db.session.commit()
    return world


def _create(client, case, **extra):
    return client.post(f"/api/v1/cases/{case.id}/handovers", json={
        "organization_id": extra.pop("organization_id"), "purpose": "warm_handover",
        "data_categories": ["identity", "contact", "help_question"], **extra})


def test_a_handover_names_the_service_and_place_it_is_offered_to(kaart, as_user):
    world = kaart
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    db.session.commit()
    response = _create(as_user(world.coach), case, organization_id=world.buurtteam.id,
                       service_id=SPREEKUUR, location_id=BUURTKAMER)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["service_id"], body["location_id"], body["service"]) == (
        SPREEKUUR, BUURTKAMER, LABEL)
    without = _create(as_user(world.coach), case, organization_id=world.schuldhulp.id)
    assert without.status_code == 201
    assert (without.json["service_id"], without.json["service"]) == (None, None)


@pytest.mark.parametrize(("organization", "service", "location", "message"), [
    ("schuldhulp", SPREEKUUR, None,
     "Deze organisatie biedt deze dienst niet aan in de sociale kaart."),
    ("schuldhulp", BUDGETCURSUS, None, "Deze dienst is niet actief."),
    ("schuldhulp", GELDZAKEN, BUURTKAMER, "De dienst wordt niet op die locatie aangeboden."),
    ("schuldhulp", None, WIJKBUREAU, "Noem ook de dienst die daar wordt aangeboden."),
    ("schuldhulp", "00000000-0000-4000-8000-000000000000", None,
     "Deze organisatie biedt deze dienst niet aan in de sociale kaart."),
])
def test_only_a_service_the_organisation_offers_there(kaart, as_user, organization, service,
                                                      location, message):
    world = kaart
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    db.session.commit()
    response = _create(as_user(world.coach), case,
                       organization_id=getattr(world, organization).id, service_id=service,
                       location_id=location)
    assert response.status_code == 422
    assert response.json["message"] == message


def test_the_inbox_and_the_handover_page_show_the_service(kaart, http_app):
    world = kaart
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    from app.handovers.operations import create_handover, fire_handover

    handover = create_handover(world.coach, case, {
        "organization_id": world.buurtteam.id, "purpose": "warm_handover",
        "data_categories": ["identity", "contact"], "service_id": uuid.UUID(SPREEKUUR),
        "location_id": uuid.UUID(BUURTKAMER)})
    factories.create_consent(world.resident, world.coach, world.buurtteam,
                             data_categories=("identity", "contact"))
    fire_handover(handover, "offer", world.coach, {})
    db.session.commit()
    professional = login(http_app, world.professional)
    inbox = text(professional.get("/handovers"))
    assert f"Dienst: {LABEL}" in inbox
    page = text(professional.get(f"/handovers/{handover.id}"))
    assert "<dt>Dienst</dt><dd>" + LABEL in page


def test_the_page_form_offers_the_services_of_linked_partners(kaart, http_app):
    world = kaart
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    db.session.commit()
    coach = login(http_app, world.coach)
    form = text(coach.get(f"/cases/{case.id}/handovers/new"))
    assert f'value="{SPREEKUUR}@{BUURTKAMER}"' in form
    assert "Buurtteam Overvecht: " + LABEL in form
    assert BUDGETCURSUS not in form  # inactive
    assert "Taalcafé" not in form  # its organisation is linked to none of Buurtpad's
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.schuldhulp.id), "purpose": "warm_handover",
        "data_categories": ["identity"], "service": f"{GELDZAKEN}@{WIJKBUREAU}",
        "answer": "draft"})
    assert response.status_code == 302
    handover = case.handovers[-1]
    db.session.refresh(handover)
    assert (str(handover.service_id), str(handover.location_id)) == (GELDZAKEN, WIJKBUREAU)
    refused = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.buurtteam.id), "purpose": "warm_handover",
        "data_categories": ["identity"], "service": GELDZAKEN, "answer": "draft"})
    assert refused.status_code == 422
    assert "Deze organisatie biedt deze dienst niet aan in de sociale kaart." in text(refused)
