"""Nothing is asked twice: the help question starts from the door's themes, the case's notes
from the door's household size and notes, the handover form from the resident's valid
consent, with a warning before submitting what that consent does not cover. An offer no
consent covers is refused in plain Dutch, from the policy's reason codes. The next step
follows the workflow and the data."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.db import db, utcnow
from app.handovers.models import Handover
from app.visits.operations import record_visit
from app.web.reasons import SENTENCES, explain
from policies import Action, ConsentFacts, DisclosureRequest, Gap, Reason, decide
from tests import factories
from tests.web import hidden, login, text
from workflows.case import CASE, QUESTION_READY_PATH


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def talk(world, **answers):
    visit = record_visit(world.coach, world.dwelling,
                         {"outcome": "talked", "resident_id": world.resident.id, **answers})
    db.session.commit()
    return visit


def checked(page: str, name: str) -> set[str]:
    found = set()
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            found.add(re.search(r'value="([^"]*)"', tag).group(1))
    return found


def selected(page: str, name: str) -> str | None:
    select_html = page[page.index(f'name="{name}"'):]
    select_html = select_html[:select_html.index("</select>")]
    match = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                      select_html)
    return (match.group(1) or match.group(2)) if match else None


# --- the help question and the notes start from the door -----------------------------------

def test_the_help_question_starts_with_the_door_themes_ticked(coach, world):
    talk(world, themes=["finances", "loneliness"], offers=["cooking"])
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/help-question"))
    assert checked(page, "themes") == {"finances", "loneliness"}
    assert "Aangevinkt op basis van wat aan de deur is gezegd" in page


def test_a_written_help_question_keeps_its_own_themes(coach, world):
    talk(world, themes=["finances", "loneliness"])
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/help-question"))
    assert checked(page, "themes") == set(factories.HELP_QUESTION["themes"])
    assert "Aangevinkt op basis van" not in page


def test_the_case_notes_start_from_the_door(coach, world):
    talk(world, household_size=3, notes="Woont met twee kleinkinderen.")
    talk(world, notes="Lift is vaak kapot.")
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/notes"))
    assert re.search(r'name="household_size"[^>]*value="3"', page)
    notes = page[page.index('name="living_situation_notes"'):]
    notes = html_lib.unescape(notes[notes.index(">") + 1:notes.index("</textarea>")])
    assert notes.index("Woont met twee kleinkinderen.") < notes.index("Lift is vaak kapot.")
    assert "Ingevuld met wat aan de deur is verteld: Grootte van het huishouden, Woonsituatie" in page


def test_notes_already_written_are_not_overwritten_by_the_door(coach, world):
    talk(world, household_size=3, notes="Van de deur.")
    case = factories.create_case(world.resident, world.coach, "exploring")
    case.household_size = 2
    case.living_situation_notes = "Eigen tekst."
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/notes"))
    assert re.search(r'name="household_size"[^>]*value="2"', page)
    assert "Eigen tekst." in page and "Van de deur." not in page
    assert 'id="from-door"' not in page


# --- the handover form starts from the valid consent ------------------------------------------

def test_one_valid_consent_fills_the_handover_form(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       data_categories=("identity", "contact", "finances"))
    factories.create_consent(world.resident, world.coach, world.schuldhulp, state="expired")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/handovers/new"))
    assert selected(page, "organization_id") == str(world.buurtteam.id)
    assert checked(page, "purpose") == {"warm_handover"}
    assert checked(page, "data_categories") == {"identity", "contact", "finances"}
    assert selected(page, "consent_id") == str(consent.id)
    assert "Het formulier begint ermee" in page


def test_several_valid_consents_are_offered_to_choose_from(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    first = factories.create_consent(world.resident, world.coach, world.buurtteam)
    second = factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                      data_categories=("identity", "finances"))
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/handovers/new"))
    assert "meerdere geldige toestemmingen" in page
    assert f"consent={first.id}" in page and f"consent={second.id}" in page
    assert checked(page, "data_categories") == set()  # nothing chosen for the coach
    page = text(coach.get(f"/cases/{case.id}/handovers/new?consent={second.id}"))
    assert selected(page, "organization_id") == str(world.schuldhulp.id)
    assert checked(page, "data_categories") == {"identity", "finances"}


def test_without_a_valid_consent_the_form_says_so_first(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam, state="requested")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/handovers/new"))
    assert "De bewoner heeft geen toestemming gegeven" in page
    assert f"/residents/{world.resident.id}/consents/new" in page


def test_the_form_carries_what_each_consent_covers_for_the_warning(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/handovers/new"))
    coverage = json.loads(html_lib.unescape(re.search(r"data-consents='([^']*)'", page).group(1)))
    assert coverage == [{"organization": str(world.buurtteam.id), "purpose": "warm_handover",
                         "categories": list(factories.HANDOVER_CATEGORIES)}]
    assert ('data-not-covered="De toestemming dekt niet: %(categories)s. Vraag de bewoner om '
            'een ruimere toestemming, of vink deze onderwerpen uit."') in page
    assert 'id="consent-warning"' in page and "handover.js" in page


def test_an_offer_beyond_the_consent_is_refused_naming_the_topics_in_dutch(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/handovers/new", data={
        "organization_id": str(world.buurtteam.id), "purpose": "warm_handover",
        "data_categories": ["identity", "health", "finances"], "answer": "offer"})
    assert response.status_code == 422
    page = text(response)
    summary = page[page.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert ("De toestemming dekt niet: Financiën, Gezondheid. Vraag de bewoner om een ruimere "
            "toestemming, of vink deze onderwerpen uit.") in summary
    assert "uitdrukkelijk noemt" in summary
    assert "veiligheidsmelding" not in summary  # beside a consent gap it adds nothing to do
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", summary)  # no ids
    assert db.session.execute(select(Handover)).first() is None
    assert state_of(case) == "question_formulated"


def test_an_offer_the_consent_covers_goes_out_at_once(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    form = text(coach.get(f"/cases/{case.id}/handovers/new"))
    data = {"organization_id": selected(form, "organization_id"), "purpose": "warm_handover",
            "data_categories": sorted(checked(form, "data_categories")),
            "consent_id": selected(form, "consent_id"), "answer": "offer"}
    response = coach.post(f"/cases/{case.id}/handovers/new", data=data)
    assert response.status_code == 302
    assert db.session.execute(select(Handover)).scalar_one().state == "offered"


# --- reasons: machine codes in the policy, Dutch sentences on the page -----------------------

def test_every_reason_code_has_a_dutch_sentence(app):
    assert set(SENTENCES) == set(Reason)
    with app.test_request_context(), force_locale("nl"):
        for reason in Reason:
            english = SENTENCES[reason]._args[0]
            dutch = str(SENTENCES[reason])
            assert dutch and dutch != english, reason


def test_a_gap_reads_as_its_log_sentence_and_carries_its_code():
    gap = Gap(Reason.CATEGORIES_NOT_COVERED, "consent does not cover categories: health",
              ["health", "finances"])
    assert gap == "consent does not cover categories: health"
    assert gap.code is Reason.CATEGORIES_NOT_COVERED
    assert gap.categories == ("finances", "health")
    import pickle

    again = pickle.loads(pickle.dumps(gap))
    assert (again, again.code, again.categories) == (gap, gap.code, gap.categories)


def test_the_decision_keeps_its_english_reasons_and_adds_codes(app):
    now = utcnow()
    consent = ConsentFacts(id="c1", resident_id="r1", state="given", purpose="warm_handover",
                           recipient_organization_id="7", recipient_resident_id=None,
                           categories=frozenset({"identity"}),
                           valid_until=now + timedelta(days=30))
    decision = decide(DisclosureRequest(
        actor_id="1", actor_role="flatcoach", actor_organization_id="1",
        action=Action.OFFER_HANDOVER, resident_id="r1", recipient_organization_id="7",
        purpose="warm_handover", categories=frozenset({"identity", "health"}), now=now,
        consents=(consent,)))
    assert not decision.allowed
    assert "consent does not cover categories: health (consent c1)" in decision.reasons
    assert [gap.code for gap in decision.gaps] == [
        Reason.CATEGORIES_NOT_COVERED, Reason.HEALTH_NEEDS_EXPLICIT_CONSENT,
        Reason.NO_SAFETY_DISCLOSURE]
    assert decision.as_dict()["reasons"][1] == "consent does not cover categories: health (consent c1)"
    with app.test_request_context(), force_locale("nl"):
        assert explain(decision) == [
            "De toestemming dekt niet: Gezondheid. Vraag de bewoner om een ruimere "
            "toestemming, of vink deze onderwerpen uit.",
            "Gezondheid wordt alleen gedeeld als de toestemming het uitdrukkelijk noemt."]
        # Alone, the secondary reason is said after all.
        assert explain([Gap(Reason.NO_SAFETY_DISCLOSURE, "no safety disclosure was made")]) == [
            "Er is ook geen veiligheidsmelding gedaan."]


# --- the next step is always right ----------------------------------------------------------

def state_of(case) -> str:
    return db.session.execute(select(Case.state).where(Case.id == case.id)).scalar_one()


def next_step(page: str, case) -> str:
    start = page.index(f'id="next-step-{case.id}"')
    return page[page.index(">", start) + 1:page.index("</p>", start)]


def test_the_question_ready_path_follows_the_workflow():
    for state, triggers in QUESTION_READY_PATH.items():
        for trigger in triggers:
            transition = CASE.get(trigger)
            assert state in transition.sources and "flatcoach" in transition.roles
            state = transition.dest
        assert state == "question_formulated"


def test_a_written_help_question_is_never_asked_for_again(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))
    assert next_step(page, case) == "Volgende stap: schrijf de hulpvraag samen met de bewoner op."

    response = coach.post(f"/cases/{case.id}/help-question", data={
        "text": "Hulp bij de post.", "themes": ["daily_administration"], "urgency": "normal",
        "answer": "save"})
    assert response.status_code == 302
    page = text(coach.get(response.headers["Location"]))
    step = next_step(page, case)
    assert "schrijf de hulpvraag" not in step and "Hulpvraag staat" in step
    # The one button that marks it ready, and no second one beside it.
    assert page.count('value="formulate_question"') == 1
    assert f'action="/cases/{case.id}/question-ready"' in page

    version = hidden(page[page.index(f'/cases/{case.id}/question-ready'):], "version")
    response = coach.post(f"/cases/{case.id}/question-ready",
                          data={"trigger": "formulate_question", "version": version})
    assert response.status_code == 302
    assert state_of(case) == "question_formulated"
    page = text(coach.get(response.headers["Location"]))
    assert next_step(page, case) == ("Volgende stap: leg de toestemming van de bewoner vast "
                                     "voor de organisatie die gaat helpen.")


def test_saving_the_help_question_as_ready_reaches_formulated_in_one_tap(coach, world):
    case = factories.create_case(world.resident, world.coach, "contacted")
    db.session.commit()
    page = text(coach.get(f"/cases/{case.id}/help-question"))
    assert "Opslaan: hulpvraag staat" in page
    response = coach.post(f"/cases/{case.id}/help-question", data={
        "text": "Hulp bij de post.", "themes": ["daily_administration"], "urgency": "normal",
        "answer": "ready"})
    assert response.status_code == 302
    assert state_of(case) == "question_formulated"
    fired = db.session.execute(select(AuditEvent.trigger).where(
        AuditEvent.object_id == str(case.id), AuditEvent.event_type == "transition")
        .order_by(AuditEvent.seq)).scalars().all()
    assert fired == ["start_exploring", "formulate_question"]
    assert "Hulpvraag opgeslagen en klaar: Hulpvraag geformuleerd." in text(
        coach.get(response.headers["Location"]))


def test_a_stale_question_ready_changes_nothing(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    from app.cases.operations import set_help_question

    set_help_question(world.coach, case, factories.HELP_QUESTION)
    db.session.commit()
    response = coach.post(f"/cases/{case.id}/question-ready",
                          data={"trigger": "formulate_question", "version": case.version + 5})
    assert response.status_code == 409
    assert state_of(case) == "exploring"


def test_the_next_step_after_consent_and_after_a_draft(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))
    assert "bereid een warme overdracht voor" in next_step(page, case)
    factories.create_handover(case, world.coach, world.schuldhulp)
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))
    assert "bied de voorbereide overdracht aan" in next_step(page, case)


def test_offering_a_draft_the_consent_does_not_cover_says_why_in_dutch(coach, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    handover = factories.create_handover(case, world.coach, world.buurtteam,
                                         data_categories=("identity", "health"))
    db.session.commit()
    page = text(coach.get(f"/handovers/{handover.id}"))
    response = coach.post(f"/handovers/{handover.id}/transitions", data={
        "trigger": "offer", "version": hidden(page, "version", "offer"),
        "seen": hidden(page, "seen", "offer")})
    assert response.status_code == 422
    page = text(response)
    assert "Niet aangeboden: De toestemming dekt niet: Gezondheid." in page
    assert "consent does not cover" not in page
    assert db.session.execute(select(Handover.state).where(Handover.id == handover.id)
                              ).scalar_one() == "draft"
    # The refusal was decided by the gateway, and logged as such.
    from app.audit.models import ProcessingLogEntry

    assert db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.decision == "denied")).first() is not None


def _denials() -> list:
    """Requests the policy refuses, one for each way it can."""
    from tests.policies.test_policies_decision import (
        NOW,
        SCHULDHULP,
        consent,
        read_request,
        request,
        safety,
    )

    later = NOW + timedelta(days=400)
    return [
        request(purpose="no_such_purpose"),
        request(action="no_such_action"),
        request(categories=frozenset()),
        request(purpose="neighbourhood_insight", action="view_insight"),
        request(purpose="data_subject_request", action="export"),
        request(consent(), resident_anonymised=True),
        request(consent(), action="self_access"),
        read_request(consent(), actor_organization_id=SCHULDHULP),
        request(),
        request(consent(purpose="case_support")),
        request(consent(recipient_organization_id=SCHULDHULP)),
        request(consent(), now=later),
        request(consent(state="requested")),
        request(consent(state="refused")),
        request(consent(state="withdrawn")),
        request(consent(state="revoked")),
        request(consent(), consent(id="consent-2", state="refused"), now=later),
        request(consent(categories=frozenset({"identity"}))),
        request(consent(categories=frozenset({"identity"})), categories=frozenset({"health"})),
        request(consent(), convenants=()),
        request(safety_disclosure=safety(recipient_organization_id=SCHULDHULP)),
        request(safety_disclosure=safety(review_status="unjustified")),
        request(safety_disclosure=safety(legal_basis="consent")),
        read_request(consent(), handover_ended=True),
        read_request(consent(), offered_under_consent_id=None),
    ]


def test_every_reason_of_a_denial_is_a_code_with_a_dutch_sentence(app):
    codes = set()
    for asked in _denials():
        decision = decide(asked)
        assert not decision.allowed, asked
        assert decision.reasons[0] == "denied"
        assert all(isinstance(reason, Gap) for reason in decision.reasons[1:]), decision.reasons
        codes.update(gap.code for gap in decision.gaps)
        with app.test_request_context(), force_locale("nl"):
            assert explain(decision), decision.reasons
    assert len(codes) >= 20  # the walk reaches most of the codes
