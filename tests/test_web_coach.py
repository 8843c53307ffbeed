"""The flatcoach's pages: buildings and doors, visits, the resident's page with the case's
triggers, help question, consent and handover — through the same operations as the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.consent.models import Consent
from app.db import db
from app.handovers.models import Handover
from app.residents.models import Resident
from app.visits.models import Visit
from tests import factories
from tests.web import hidden, login, text

BSN = "111222333"  # passes the eleven-test
BSN_REFUSED = "burgerservicenummer (BSN)"


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def test_coach_pages_answer_200_in_dutch(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    for url in ["/", "/today", "/buildings", f"/buildings/{world.building.id}",
                f"/dwellings/{world.dwelling.id}", f"/residents/{world.resident.id}", "/cases",
                f"/cases/{case.id}/help-question", f"/cases/{case.id}/notes",
                f"/residents/{world.resident.id}/consents/new", "/handovers", "/workflows",
                "/workflows/case"]:
        response = coach.get(url)
        assert response.status_code == 200, url
        assert '<html lang="nl">' in text(response), url


def test_building_page_shows_each_door_with_last_outcome_as_text(coach, world):
    from app.visits.operations import record_visit

    record_visit(world.coach, world.dwelling, {"outcome": "revisit"})
    db.session.commit()
    html = text(coach.get(f"/buildings/{world.building.id}"))
    assert f"/dwellings/{world.dwelling.id}" in html
    assert "outcome-revisit" in html and "Later terugkomen" in html
    assert "Verdieping 3" in html


def test_not_home_is_one_tap(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/not-home")
    assert response.status_code == 302
    assert f"/buildings/{world.building.id}" in response.headers["Location"]
    visit = db.session.execute(select(Visit).where(Visit.dwelling_id == world.dwelling.id)
                               ).scalar_one()
    assert visit.outcome == "not_home"


def test_conversation_registers_resident_and_opens_case(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "talked", "resident": "new", "new_resident_name": "Ayşe Yılmaz",
        "new_resident_birth_year": "1961", "new_resident_languages": "Turks, Nederlands",
        "themes": ["loneliness", "language"], "offers": ["cooking"], "willingness": "2",
        "notes": "Kookt graag voor buren.", "open_case": "y"})
    assert response.status_code == 302
    resident = db.session.execute(
        select(Resident).where(Resident.display_name == "Ayşe Yılmaz")).scalar_one()
    assert resident.languages == ["Turks", "Nederlands"]
    assert f"/residents/{resident.id}" in response.headers["Location"]
    case = db.session.execute(select(Case).where(Case.resident_id == resident.id)).scalar_one()
    assert case.state == "contacted"
    visit = db.session.execute(select(Visit).where(Visit.resident_id == resident.id)).scalar_one()
    assert visit.themes == ["loneliness", "language"] and visit.case_id == case.id
    page = text(coach.get(f"/residents/{resident.id}"))
    assert "Start verkennen" in page  # the coach's trigger from `contacted`
    assert "Bezoek" in page and "Traject geopend" in page  # the timeline


def test_visit_form_errors_keep_input_and_are_dutch(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "talked", "resident": "new", "new_resident_name": "",
        "notes": f"BSN {BSN} genoteerd", "themes": ["loneliness"]})
    html = text(response)
    assert response.status_code == 422
    assert BSN_REFUSED in html
    assert f"BSN {BSN} genoteerd" in html  # what the user typed is kept
    assert 'checked id="themes-' in html or 'value="loneliness" checked' in html
    assert db.session.execute(select(Visit)).first() is None
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "talked", "resident": "new", "new_resident_name": " "})
    assert response.status_code == 422
    assert "Geef de naam waarmee de bewoner aangesproken wil worden." in text(response)


def test_opening_case_for_visit_without_resident_is_refused_at_the_field(coach, world):
    response = coach.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "outcome": "not_home", "open_case": "y"})
    assert response.status_code == 422
    assert "Een traject start vanuit een gesprek" in text(response)


def test_case_transitions_fire_the_allowed_triggers_only(coach, world):
    case = factories.create_case(world.resident, world.coach)
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))
    assert 'value="start_exploring"' in page
    assert 'value="refer"' not in page  # a system trigger is never offered
    response = coach.post(f"/cases/{case.id}/transitions", data={
        "trigger": "start_exploring", "version": case.version})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.state == "exploring"


def test_pause_asks_for_its_reason_and_keeps_the_form(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/transitions", data={
        "trigger": "pause", "version": case.version, "reason": "  "})
    assert response.status_code == 422
    assert "Dit veld is verplicht." in text(response)
    db.session.refresh(case)
    assert case.state == "exploring"


def test_guard_refusal_is_shown_without_500(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/transitions", data={
        "trigger": "formulate_question", "version": case.version})
    assert response.status_code == 422
    assert "hulpvraag" in text(response).lower()


def test_stale_version_shows_what_changed_and_lets_retry(coach, http_app, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))
    version = hidden(page, "version", "pause")
    seen = hidden(page, "seen", "pause")
    # Meanwhile, in another session, the case is paused.
    other = login(http_app, world.coach)
    assert other.post(f"/cases/{case.id}/transitions", data={
        "trigger": "pause", "version": version, "reason": "Op vakantie"}).status_code == 302
    response = coach.post(f"/cases/{case.id}/transitions", data={
        "trigger": "close", "version": version, "seen": seen, "outcome": "moved"})
    html = text(response)
    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd." in html
    assert "Pauzeren" in html and "Gepauzeerd" in html
    retry = coach.post(f"/cases/{case.id}/transitions", data={
        "trigger": "close", "version": hidden(html, "version", "close"), "outcome": "moved"})
    assert retry.status_code == 302
    db.session.refresh(case)
    assert case.state == "closed"


def test_bad_version_field_never_500(coach, world):
    case = factories.create_case(world.resident, world.coach)
    db.session.commit()
    for version in ("", "abc", "-1"):
        response = coach.post(f"/cases/{case.id}/transitions",
                              data={"trigger": "start_exploring", "version": version})
        assert response.status_code in (409, 422)
    response = coach.post(f"/cases/{case.id}/transitions",
                          data={"trigger": "no_such_trigger", "version": case.version})
    assert response.status_code == 422


def test_help_question_errors_and_save(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    url = f"/cases/{case.id}/help-question"
    response = coach.post(url, data={"text": f"Mijn nummer is {BSN}", "urgency": "normal"})
    html = text(response)
    assert response.status_code == 422
    assert BSN_REFUSED in html and f"Mijn nummer is {BSN}" in html
    assert "Dit veld is verplicht." in html  # no theme chosen
    response = coach.post(url, data={"text": "Ik wil hulp met de post.",
                                      "themes": ["daily_administration"], "urgency": "high"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.help_question.themes == ["daily_administration"]


def test_notes_are_saved_with_version_check(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/notes", data={
        "version": case.version, "household_size": "3", "finances_notes": "Schulden."})
    assert response.status_code == 302
    stale = coach.post(f"/cases/{case.id}/notes", data={
        "version": 1, "household_size": "2", "finances_notes": "Anders."})
    assert stale.status_code == 409
    assert "Anders." in text(stale) and "Schulden." in text(stale)


def test_consent_form_nothing_preticked_and_errors_in_dutch(coach, world):
    html = text(coach.get(f"/residents/{world.resident.id}/consents/new"))
    assert 'name="data_categories"' in html
    assert "checked" not in html
    assert "2026-01" in html  # the notice version is shown
    response = coach.post(f"/residents/{world.resident.id}/consents/new", data={
        "answer": "give", "purpose": "warm_handover",
        "recipient_organization_id": str(world.buurtteam.id), "valid_until": "2099-01-01"})
    html = text(response)
    assert response.status_code == 422
    assert "Vink er minstens één aan." in html
    assert "Laat de privacyverklaring zien" in html
    assert "Dit veld is verplicht." in html  # method
    assert db.session.execute(select(Consent)).first() is None


def test_consent_recorded_and_given(coach, world):
    from datetime import date, timedelta

    until = (date.today() + timedelta(days=200)).isoformat()
    response = coach.post(f"/residents/{world.resident.id}/consents/new", data={
        "answer": "give", "purpose": "warm_handover",
        "recipient_organization_id": str(world.buurtteam.id),
        "data_categories": ["identity", "help_question"], "valid_until": until,
        "method": "verbal", "notice_shown": "y"})
    assert response.status_code == 302
    consent = db.session.execute(select(Consent)).scalar_one()
    assert consent.state == "given" and consent.method == "verbal"
    assert consent.notice_version == "2026-01"
    assert sorted(consent.data_categories) == ["help_question", "identity"]
    page = text(coach.get(f"/consents/{consent.id}"))
    assert "Intrekken" in page and "Gegeven" in page


def test_handover_created_and_offered_from_the_page(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.buurtteam.id), "purpose": "warm_handover",
        "data_categories": ["identity", "contact"], "consent_id": "", "answer": "offer"})
    assert response.status_code == 302
    handover = db.session.execute(select(Handover)).scalar_one()
    assert handover.state == "offered"
    db.session.refresh(case)
    assert case.state == "referred"
    assert "Aangeboden" in text(coach.get(f"/handovers/{handover.id}"))


def test_an_offer_no_consent_covers_is_refused_in_dutch_and_nothing_is_kept(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.schuldhulp.id), "purpose": "warm_handover",
        "data_categories": ["finances"], "note": "Graag snel", "answer": "offer"})
    assert response.status_code == 422
    html = text(response)
    assert "De bewoner heeft geen toestemming gegeven om voor dit doel met deze organisatie" in html
    assert "consent" not in html.split('id="error-summary"')[1].split("</div>")[0]
    assert "Graag snel" in html  # what was typed stays
    assert db.session.execute(select(Handover)).first() is None


def test_a_draft_saved_on_purpose_says_what_it_still_needs(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.schuldhulp.id), "purpose": "warm_handover",
        "data_categories": ["finances"], "answer": "draft"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Overdracht opgeslagen als concept. Voordat die kan worden aangeboden:" in text(
        response)
    assert db.session.execute(select(Handover)).scalar_one().state == "draft"


def test_handover_form_requires_categories(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": "", "purpose": "warm_handover", "note": "Graag snel"})
    html = text(response)
    assert response.status_code == 422
    assert "Dit veld is verplicht." in html and "Vink er minstens één aan." in html
    assert "Graag snel" in html


def test_today_lists_what_is_due(coach, world):
    factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    html = text(coach.get("/today"))
    assert "Trajecten die op jouw volgende stap wachten" in html
    assert world.resident.display_name in html


@pytest.mark.parametrize("url", ["/buildings/{other_building}", "/dwellings/{other_dwelling}",
                                 "/residents/{other_resident}",
                                 "/residents/{other_resident}/consents/new"])
def test_other_coachs_objects_are_404(coach, world, url):
    url = url.format(other_building=world.other_building.id,
                     other_dwelling=world.other_dwelling.id,
                     other_resident=world.other_resident.id)
    response = coach.get(url)
    assert response.status_code == 404
    assert "Henk de Boer" not in text(response)


def test_other_coachs_case_and_handover_are_404(coach, world):
    case = factories.create_formulated_case(world.other_resident, world.other_coach)
    handover = factories.create_handover(case, world.other_coach, world.buurtteam)
    db.session.commit()
    assert coach.get(f"/cases/{case.id}/help-question").status_code == 404
    assert coach.post(f"/cases/{case.id}/transitions",
                      data={"trigger": "revise_question", "version": 1}).status_code == 404
    assert coach.get(f"/handovers/{handover.id}").status_code == 404
    assert coach.get("/residents/not-a-uuid").status_code == 404


@pytest.mark.parametrize("url", ["/admin/users", "/privacy/processing-log", "/privacy/reviews",
                                 "/privacy/residents"])
def test_coach_is_forbidden_elsewhere(coach, url):
    assert coach.get(url).status_code == 403


def test_every_transition_is_audited(coach, world):
    case = factories.create_case(world.resident, world.coach)
    db.session.commit()
    coach.post(f"/cases/{case.id}/transitions",
               data={"trigger": "start_exploring", "version": case.version})
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(case.id),
                                 AuditEvent.event_type == "transition")).scalar_one()
    assert event.trigger == "start_exploring" and event.to_state == "exploring"


def test_requested_consent_is_given_from_its_page(coach, world):
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       state="requested")
    db.session.commit()
    page = text(coach.get(f"/consents/{consent.id}"))
    assert "Toestemming gegeven" in page and "versie 2026-01" in page
    response = coach.post(f"/consents/{consent.id}/transitions", data={
        "trigger": "give", "version": consent.version, "notice_version": "2026-01"})
    assert response.status_code == 422  # the method is missing
    assert "Dit veld is verplicht." in text(response)
    response = coach.post(f"/consents/{consent.id}/transitions", data={
        "trigger": "give", "version": consent.version, "method": "written",
        "notice_version": "2026-01"})
    assert response.status_code == 302
    db.session.refresh(consent)
    assert consent.state == "given" and consent.method == "written"
