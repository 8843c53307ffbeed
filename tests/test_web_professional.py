"""The professional's pages: the inbox of handovers offered to their organisation, a handover
with only the released categories (read through the consent gateway and logged, exactly as
the API does), and the steps of the warm handover."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.cases.operations import update_notes
from app.db import db
from tests import factories
from tests.web import login, text


@pytest.fixture
def offered(world):
    """A handover to the buurtteam that asks identity, contact and finances; the consent
    covers identity and contact only."""
    case = factories.create_formulated_case(world.resident, world.coach)
    update_notes(world.coach, case, {"finances_notes": "Grote schuld bij de energieleverancier"})
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       data_categories=("identity", "contact", "finances"))
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         consent=consent,
                                         data_categories=("identity", "contact"))
    db.session.commit()
    return handover


@pytest.fixture
def professional(http_app, world):
    return login(http_app, world.professional)


def test_inbox_names_the_resident_building_and_coach_as_far_as_consent_reaches(
        professional, offered, world):
    """Identity and contact are released: the name and the building; the help question is
    not part of this handover, so its urgency is not shown."""
    response = professional.get("/handovers")
    html = text(response)
    assert response.status_code == 200
    assert f"/handovers/{offered.id}" in html
    assert "om te reageren" in html  # days left to respond
    assert world.resident.display_name in html
    assert world.building.name in html
    assert f"Flatcoach: {world.coach.name}" in html
    assert "Urgentie" not in html
    entries = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "read_handover")
    ).scalars().all()
    assert [(e.decision, e.object_id, e.categories) for e in entries] == [
        ("allowed", str(offered.id), ["contact", "identity"])]


def test_inbox_shows_urgency_when_the_help_question_is_shared(professional, world):
    case = factories.create_case(world.resident, world.coach, "question_formulated",
                                 help_question={**factories.HELP_QUESTION, "urgency": "high"})
    factories.create_handover(case, world.coach, world.buurtteam, state="offered")
    db.session.commit()
    html = text(professional.get("/handovers"))
    assert "Urgentie: Hoog" in html
    assert world.resident.display_name in html


def test_inbox_gives_a_neutral_label_when_identity_is_not_shared(professional, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         data_categories=("help_question",))
    db.session.commit()
    html = text(professional.get("/handovers"))
    assert f"/handovers/{handover.id}" in html
    assert world.resident.display_name not in html
    assert world.building.name not in html  # the building is contact data
    assert "Een bewoner (naam niet gedeeld)" in html
    assert "Urgentie: Normaal" in html
    assert f"Flatcoach: {world.coach.name}" in html


def test_inbox_hides_the_name_once_the_consent_is_withdrawn(professional, offered, world):
    from app.consent.models import Consent
    from app.consent.operations import fire_consent

    consent = db.session.get(Consent, offered.consent_id)
    fire_consent(consent, "withdraw", world.coach, {"reason": "De bewoner wil het niet meer."})
    db.session.commit()
    html = text(professional.get("/handovers?group=all"))
    assert world.resident.display_name not in html
    assert "Een bewoner (naam niet gedeeld)" in html
    denied = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "read_handover",
                                         ProcessingLogEntry.decision == "denied")
    ).scalars().all()
    assert denied


def test_handover_page_shows_only_released_categories_and_logs_the_read(professional, offered,
                                                                        world):
    before = db.session.execute(select(ProcessingLogEntry.seq)).all()
    response = professional.get(f"/handovers/{offered.id}")
    html = text(response)
    assert response.status_code == 200
    assert world.resident.display_name in html  # identity released
    assert "06-12345678" in html  # contact released
    assert 'href="tel:0612345678"' in html  # and tap-to-call
    assert "energieleverancier" not in html  # finances: not part of this handover
    assert "Accepteren" in html and "Afwijzen" in html
    entries = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "read_handover")
    ).scalars().all()
    assert len(entries) == 1 and len(before) < len(
        db.session.execute(select(ProcessingLogEntry.seq)).all())
    assert entries[0].decision == "allowed"
    assert entries[0].object_id == str(offered.id)


def test_withheld_category_is_named_not_shown(http_app, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    update_notes(world.coach, case, {"health_notes": "Slaapt slecht"})
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       data_categories=("identity",))
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         consent=consent, data_categories=("identity",))
    db.session.commit()
    html = text(login(http_app, world.professional).get(f"/handovers/{handover.id}"))
    assert "Slaapt slecht" not in html
    assert "06-12345678" not in html


def test_accept_schedule_record_complete(professional, offered, world):
    url = f"/handovers/{offered.id}/transitions"
    assert professional.post(url, data={"trigger": "accept",
                                        "version": offered.version}).status_code == 302
    db.session.refresh(offered)
    assert offered.state == "accepted" and offered.accepted_by_id == world.professional.id
    when = (date.today() + timedelta(days=3)).isoformat() + "T10:30"
    response = professional.post(url, data={"trigger": "schedule_intro",
                                            "version": offered.version, "intro_at": when,
                                            "place": "Buurtkamer Overvecht"})
    assert response.status_code == 302
    db.session.refresh(offered)
    assert offered.state == "intro_scheduled"
    # Typed as the time in Utrecht, stored as that moment.
    assert offered.intro_at == datetime.combine(date.today() + timedelta(days=3), time(10, 30),
                                                tzinfo=ZoneInfo("Europe/Amsterdam"))
    # Planned in three days: recording it now asks for a confirmation (see test_early_intro).
    assert professional.post(url, data={"trigger": "record_intro", "confirmed": "y",
                                        "version": offered.version}).status_code == 302
    db.session.refresh(offered)
    assert professional.post(url, data={"trigger": "complete",
                                        "version": offered.version}).status_code == 302
    db.session.refresh(offered)
    assert offered.state == "completed"
    assert offered.case.state == "supported"


def test_schedule_without_date_keeps_the_place(professional, offered, world):
    url = f"/handovers/{offered.id}/transitions"
    professional.post(url, data={"trigger": "accept", "version": offered.version})
    db.session.refresh(offered)
    response = professional.post(url, data={"trigger": "schedule_intro",
                                            "version": offered.version, "intro_at": "morgen",
                                            "place": "Wijkcentrum"})
    html = text(response)
    assert response.status_code == 422
    assert "Geef een datum en een tijd." in html
    assert 'value="Wijkcentrum"' in html


def test_decline_needs_a_reason(professional, offered):
    url = f"/handovers/{offered.id}/transitions"
    page = text(professional.get(f"/handovers/{offered.id}"))
    for choice in ("Geen capaciteit op dit moment", "Niet ons werkterrein",
                   "Bewoner was niet bereikbaar", "Bewoner wil het niet",
                   "Krijgt al hulp van een ander", "Andere reden",
                   "Verplicht als u kiest: Andere reden."):
        assert choice in page
    for data in ({}, {"reason": "Geen plek deze maand"}):
        response = professional.post(url, data={"trigger": "decline",
                                                "version": offered.version, **data})
        assert response.status_code == 422
        assert "Dit veld is verplicht." in text(response)
        db.session.refresh(offered)
        assert offered.state == "offered"
    response = professional.post(url, data={"trigger": "decline", "version": offered.version,
                                            "decline_reason": "other"})
    assert response.status_code == 422
    assert "Dit veld is verplicht." in text(response)
    response = professional.post(url, data={"trigger": "decline", "version": offered.version,
                                            "decline_reason": "elsewhere"})
    assert response.status_code == 422
    assert "Kies een van de mogelijkheden." in text(response)
    response = professional.post(url, data={"trigger": "decline", "version": offered.version,
                                            "decline_reason": "no_capacity",
                                            "reason": "Geen plek deze maand"})
    assert response.status_code == 302
    db.session.refresh(offered)
    assert (offered.state, offered.decline_reason, offered.ended_reason) == (
        "declined", "no_capacity", "Geen plek deze maand")
    page = text(professional.get(f"/handovers/{offered.id}"))
    assert "Afgewezen omdat" in page and "Geen capaciteit op dit moment" in page


def test_another_reason_is_declined_with_its_explanation(professional, offered):
    response = professional.post(f"/handovers/{offered.id}/transitions", data={
        "trigger": "decline", "version": offered.version, "decline_reason": "other",
        "reason": "Wij werken alleen in Zuilen."})
    assert response.status_code == 302
    db.session.refresh(offered)
    assert (offered.state, offered.decline_reason, offered.ended_reason) == (
        "declined", "other", "Wij werken alleen in Zuilen.")


def test_professional_of_another_organisation_gets_404(http_app, offered, world):
    other = login(http_app, world.other_professional)
    assert other.get(f"/handovers/{offered.id}").status_code == 404
    assert other.post(f"/handovers/{offered.id}/transitions",
                      data={"trigger": "accept", "version": 1}).status_code == 404
    assert f"/handovers/{offered.id}" not in text(other.get("/handovers?group=all"))


def test_draft_is_not_visible_to_the_professional(http_app, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam)
    db.session.commit()
    assert login(http_app, world.professional).get(f"/handovers/{handover.id}").status_code == 404


def test_withdrawn_consent_ends_access_on_the_page(professional, offered, world):
    from app.consent.models import Consent
    from app.consent.operations import fire_consent

    consent = db.session.get(Consent, offered.consent_id)
    fire_consent(consent, "withdraw", world.coach, {"reason": "De bewoner wil het niet meer."})
    db.session.commit()
    html = text(professional.get(f"/handovers/{offered.id}"))
    assert world.resident.display_name not in html
    assert "Je kunt de gegevens van deze bewoner niet zien" in html


@pytest.mark.parametrize("url", ["/buildings", "/today", "/cases", "/admin/users",
                                 "/privacy/processing-log"])
def test_professional_is_forbidden_elsewhere(professional, url):
    assert professional.get(url).status_code == 403


def test_professional_cannot_open_residents(professional, world):
    assert professional.get(f"/residents/{world.resident.id}").status_code == 404


def test_the_handover_page_names_the_coach_to_arrange_the_introduction_with(professional,
                                                                           offered, world):
    html = text(professional.get(f"/handovers/{offered.id}"))

    assert "<dt>Je contactpersoon: de flatcoach</dt>" in html
    assert world.coach.name in html and world.welzijn.name in html
    assert f'href="mailto:{world.coach.email}"' in html
    assert 'class="tel">bel' not in html  # no work phone number recorded


def test_the_handover_page_offers_to_call_the_coach(professional, offered, world):
    world.coach.phone = "0612345678"
    db.session.commit()
    html = text(professional.get(f"/handovers/{offered.id}"))
    assert '<a href="tel:0612345678" class="tel">bel 0612345678</a>' in html
    assert "Plan samen met de flatcoach de kennismaking met de bewoner." in html


def test_the_coach_sees_no_contact_card_of_themselves(http_app, offered, world):
    world.coach.phone = "0612345678"
    db.session.commit()
    html = text(login(http_app, world.coach).get(f"/handovers/{offered.id}"))
    assert "tel:0612345678" not in html and "Je contactpersoon" not in html
