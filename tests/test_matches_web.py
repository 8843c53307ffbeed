"""The coach's connection pages: suggestions per building with a button to propose one, the
list by state, and one connection where both residents' answers are recorded, the connection
is agreed, the meeting recorded or the connection declined — with the contact card only
while both consents allow it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.consent.operations import fire_consent
from app.db import db
from app.matches.models import Match
from tests import factories
from tests.matches_helpers import create_match, neighbours, talked
from tests.web import hidden, login, text

ODD = ["", " ", "abc", "-1", "0", "99999999999999999999", "None", "<script>alert(1)</script>",
       "ü" * 5000, "00000000-0000-0000-0000-000000000000"]


@pytest.fixture
def coach(http_app: Any, world: Any) -> Any:
    return login(http_app, world.coach)


@pytest.fixture
def pair(world: Any) -> tuple[Any, Any]:
    offering, seeking = neighbours(world)
    talked(world.coach, offering, offers=("cooking",))
    talked(world.coach, seeking, wishes=("cooking",))
    db.session.commit()
    return offering, seeking


def test_connection_pages_answer_200_in_dutch(coach, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    for url in ["/matches", "/matches?state=proposed", "/matches/suggestions",
                f"/matches/suggestions?building={world.building.id}", f"/matches/{match.id}",
                f"/matches?resident={world.resident.id}"]:
        response = coach.get(url)
        assert response.status_code == 200, url
        assert '<html lang="nl">' in text(response), url
    assert "Verbindingen" in text(coach.get("/"))  # the menu entry


def test_empty_states_say_what_to_do(coach):
    assert "Nog geen verbindingen. Bekijk de suggesties om er een voor te stellen." in text(
        coach.get("/matches"))
    assert "Geen verbindingen bij dit filter." in text(coach.get("/matches?state=met"))
    assert "Hier zijn nog geen suggesties." in text(coach.get("/matches/suggestions"))


def test_suggestions_are_not_named_like_proposals(coach, world, pair):
    """A suggestion becomes 'Voorgesteld' only once the coach proposes it."""
    match = create_match(world.coach, *pair)
    db.session.commit()

    suggestions = text(coach.get("/matches/suggestions"))
    proposal = text(coach.get(f"/matches/{match.id}"))

    assert "<h1>Mogelijke verbindingen</h1>" in suggestions
    assert "Voorgesteld" not in suggestions and "Voorgesteld" in proposal
    assert "kies dan ‘Beiden willen kennismaken’" in proposal


def test_a_coach_without_buildings_is_told_whom_to_ask(http_app, world):
    newcomer = login(http_app, factories.create_user("flatcoach", world.welzijn))

    page = text(newcomer.get("/matches/suggestions"))

    assert "Er zijn nog geen flats aan je toegewezen. Vraag het je coördinator." in page
    assert "Hier zijn nog geen suggesties." not in page


def test_each_propose_button_names_its_pair(coach, pair):
    page = text(coach.get("/matches/suggestions"))

    assert ('Voorstellen<span class="visually-hidden">: Koken, Fatima El Amrani → '
            'Henk de Boer</span></button>') in page


def test_a_suggestion_is_proposed_with_one_tap(coach, world, pair):
    page = text(coach.get("/matches/suggestions"))
    assert "Koken" in page and "Fatima El Amrani → Henk de Boer" in page
    assert "Allebei in" in page

    response = coach.post("/matches", data={"offering_resident_id": str(pair[0].id),
                                            "seeking_resident_id": str(pair[1].id),
                                            "offer": "cooking"})

    match = db.session.execute(select(Match)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/matches/{match.id}")
    assert match.state == "proposed"
    assert "Hier zijn nog geen suggesties." in text(coach.get("/matches/suggestions"))


@pytest.mark.parametrize("value", ODD)
def test_odd_proposals_never_fail(coach, world, pair, value):
    for name in ("offering_resident_id", "seeking_resident_id", "offer"):
        data = {"offering_resident_id": str(pair[0].id), "seeking_resident_id": str(pair[1].id),
                "offer": "cooking", name: value}
        response = coach.post("/matches", data=data)
        assert response.status_code in (302, 404), (name, value)
    assert db.session.execute(select(Match)).first() is None


def test_the_whole_path_on_the_match_page(coach, world, pair):
    offering, seeking = pair
    match = create_match(world.coach, offering, seeking)
    db.session.commit()
    url = f"/matches/{match.id}"
    page = text(coach.get(url))
    assert "Gevraagd" in page
    assert "06-87654321" not in page  # no contact card yet
    assert "Zichtbaar zodra beide bewoners toestemming hebben gegeven" in page

    # Agreeing before both consented is refused, and says what is missing.
    refused = coach.post(f"{url}/transitions", data={
        "trigger": "agree", "version": hidden(page, "version", "agree")})
    assert refused.status_code == 422
    assert "Ontbreekt: de bewoner die iets aanbiedt heeft geen toestemming gegeven" in text(
        refused)

    # Both residents say yes, recorded on this page.
    for consent in (match.offering_consent, match.seeking_consent):
        page = text(coach.get(url))
        response = coach.post(f"{url}/consents/{consent.id}/transitions", data={
            "trigger": "give", "version": consent.version, "method": "verbal",
            "notice_version": "2026-01"})
        assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert {match.offering_consent.state, match.seeking_consent.state} == {"given"}

    page = text(coach.get(url))
    assert coach.post(f"{url}/transitions", data={
        "trigger": "agree", "version": hidden(page, "version", "agree")}).status_code == 302
    page = text(coach.get(url))
    assert "Afgesproken" in page
    assert "06-12345678" in page and "06-87654321" in page  # the contact card

    assert coach.post(f"{url}/transitions", data={
        "trigger": "record_meeting",
        "version": hidden(page, "version", "record_meeting")}).status_code == 302
    db.session.refresh(match)
    assert match.state == "met"


def test_giving_consent_asks_how_and_a_refusal_declines(coach, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    consent = match.seeking_consent
    url = f"/matches/{match.id}/consents/{consent.id}/transitions"

    missing = coach.post(url, data={"trigger": "give", "version": consent.version,
                                    "notice_version": "2026-01"})
    assert missing.status_code == 422
    assert "Dit veld is verplicht." in text(missing)

    other = coach.post(url, data={"trigger": "withdraw", "version": consent.version,
                                  "reason": "Nee."})
    assert other.status_code == 422  # only the resident's answer is recorded here

    refused = coach.post(url, data={"trigger": "refuse", "version": consent.version})
    assert refused.status_code == 302
    db.session.expire_all()
    assert (match.seeking_consent.state, match.state) == ("refused", "declined")
    assert "Gaat niet door" in text(coach.get(f"/matches/{match.id}"))


@pytest.mark.parametrize("state", ["declined", "agreed"])
def test_answers_are_recorded_here_only_while_the_connection_is_proposed(coach, world, pair,
                                                                         state):
    match = create_match(world.coach, *pair, state=state)
    db.session.commit()
    consent = match.seeking_consent
    before = consent.state

    page = text(coach.get(f"/matches/{match.id}"))
    response = coach.post(f"/matches/{match.id}/consents/{consent.id}/transitions", data={
        "trigger": "give", "version": consent.version, "method": "verbal",
        "notice_version": "2026-01"})

    assert f"/consents/{consent.id}/transitions" not in page
    assert response.status_code == 422
    assert "Deze verbinding wacht niet meer op toestemming van de bewoners." in text(response)
    db.session.refresh(consent)
    assert consent.state == before


def test_a_consent_of_another_match_is_404_here(coach, world, pair):
    match = create_match(world.coach, *pair)
    unrelated = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                         state="requested")
    db.session.commit()

    response = coach.post(f"/matches/{match.id}/consents/{unrelated.id}/transitions",
                          data={"trigger": "refuse", "version": unrelated.version})

    assert response.status_code == 404
    db.session.refresh(unrelated)
    assert unrelated.state == "requested"


def test_declining_asks_for_a_reason(coach, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    url = f"/matches/{match.id}/transitions"

    missing = coach.post(url, data={"trigger": "decline", "version": match.version})
    assert missing.status_code == 422
    assert "Dit veld is verplicht." in text(missing)

    done = coach.post(url, data={"trigger": "decline", "version": match.version,
                                 "reason": "Meneer wil liever niet."})
    assert done.status_code == 302
    db.session.refresh(match)
    assert match.state == "declined"


def test_a_stale_version_shows_what_changed(coach, http_app, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    page = text(coach.get(f"/matches/{match.id}"))
    other = login(http_app, world.coach)
    assert other.post(f"/matches/{match.id}/transitions", data={
        "trigger": "decline", "version": match.version, "reason": "Nee."}).status_code == 302

    response = coach.post(f"/matches/{match.id}/transitions", data={
        "trigger": "decline", "version": hidden(page, "version", "decline"),
        "seen": hidden(page, "seen", "decline"), "reason": "Ook nee."})

    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd." in text(response)


def test_a_stale_answer_shows_the_consents_changes_in_words(coach, http_app, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    consent = match.seeking_consent
    url = f"/matches/{match.id}/consents/{consent.id}/transitions"
    page = text(coach.get(f"/matches/{match.id}"))
    seen = hidden(page, "seen", "refuse")
    other = login(http_app, world.coach)
    assert other.post(url, data={"trigger": "give", "version": consent.version,
                                 "method": "verbal", "notice_version": "2026-01"}
                      ).status_code == 302

    response = coach.post(url, data={"trigger": "refuse", "version": consent.version,
                                     "seen": seen})

    assert response.status_code == 409
    assert "(Gevraagd → Gegeven)" in text(response)


def test_the_contact_card_goes_when_a_consent_is_withdrawn(coach, world, pair):
    match = create_match(world.coach, *pair, state="met")
    db.session.commit()
    assert "06-87654321" in text(coach.get(f"/matches/{match.id}"))
    fire_consent(match.seeking_consent, "withdraw", world.coach, {"reason": "Liever niet."})
    db.session.commit()

    page = text(coach.get(f"/matches/{match.id}"))

    assert "06-87654321" not in page and "06-12345678" not in page
    assert "Niet getoond: de toestemming van een bewoner is niet meer geldig." in page
    latest = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.object_id == str(match.id))
        .order_by(ProcessingLogEntry.seq.desc()).limit(2)).scalars().all()
    assert {e.decision for e in latest} == {"allowed", "denied"}


def test_the_list_shows_matches_by_state(coach, world, pair):
    proposed = create_match(world.coach, *pair)
    third = factories.create_resident(world.dwelling, display_name="Anouk Visser")
    agreed = create_match(world.coach, third, pair[1], offer="company", state="agreed")
    db.session.commit()

    everything = text(coach.get("/matches"))
    only_agreed = text(coach.get("/matches?state=agreed"))

    assert f"/matches/{proposed.id}" in everything and f"/matches/{agreed.id}" in everything
    assert f"/matches/{agreed.id}" in only_agreed and f"/matches/{proposed.id}" not in only_agreed
    # No contact details in the list (ids are random: look for the numbers themselves).
    for resident in (*pair, third):
        assert resident.phone not in everything


def test_the_resident_page_links_to_their_connections(coach, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()

    page = text(coach.get(f"/residents/{world.resident.id}"))
    assert f"/matches?resident={world.resident.id}" in page
    assert "Verbinding voorgesteld" in page  # the timeline
    assert "Andere bewoner · Bewoners met elkaar verbinden" in page
    assert f"/matches/{match.id}" in text(coach.get(f"/matches?resident={world.resident.id}"))


def test_the_consent_page_shows_the_recipient_resident_and_the_connection(coach, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()

    page = text(coach.get(f"/consents/{match.offering_consent_id}"))

    assert "Henk de Boer" in page and "andere bewoner" in page
    assert "Verbindingen die op deze toestemming steunen" in page
    assert f"/matches/{match.id}" in page
    assert "Andere bewoner" in text(coach.get(f"/residents/{world.resident.id}"))


def test_the_privacy_officer_sees_a_resident_recipient_by_pseudonymous_id(http_app, world,
                                                                          pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    officer = login(http_app, world.privacy_officer)

    consent_page = text(officer.get(f"/consents/{match.offering_consent_id}"))
    register = text(officer.get("/privacy/consents?purpose=resident_connection"))
    csv = text(officer.get("/privacy/consents.csv?purpose=resident_connection"))

    assert "Andere bewoner" in consent_page and "Henk" not in consent_page
    assert "Andere bewoner" in register and "Henk" not in register
    assert str(match.seeking_resident_id) in csv and "Henk" not in csv


def test_other_coachs_connections_are_404(http_app, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    other = login(http_app, world.other_coach)

    assert other.get(f"/matches/{match.id}").status_code == 404
    assert other.post(f"/matches/{match.id}/transitions",
                      data={"trigger": "decline", "version": 1, "reason": "x"}).status_code == 404
    assert other.get(f"/matches?resident={world.resident.id}").status_code == 404
    assert other.get(f"/matches/suggestions?building={world.building.id}").status_code == 404
    assert other.post("/matches", data={"offering_resident_id": str(pair[0].id),
                                        "seeking_resident_id": str(pair[1].id),
                                        "offer": "cooking"}).status_code == 404


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_other_roles_are_forbidden(http_app, world, role):
    client = login(http_app, world.user(role))
    for url in ("/matches", "/matches/suggestions"):
        assert client.get(url).status_code == 403
    assert "/matches" not in text(client.get("/"))


@pytest.mark.parametrize("query", [f"{name}={value}" for name in ("state", "resident",
                                                                   "building", "page")
                                   for value in ODD])
def test_odd_filters_never_fail(coach, world, pair, query):
    for url in ("/matches", "/matches/suggestions"):
        assert coach.get(f"{url}?{query}").status_code in (200, 404), (url, query)


@pytest.mark.parametrize("value", ODD)
def test_odd_transition_forms_never_fail(coach, world, pair, value):
    match = create_match(world.coach, *pair)
    db.session.commit()
    consent = match.offering_consent
    for url, names in ((f"/matches/{match.id}/transitions", ("trigger", "version", "seen",
                                                              "reason")),
                       (f"/matches/{match.id}/consents/{consent.id}/transitions",
                        ("trigger", "version", "seen", "method", "notice_version"))):
        response = coach.post(url, data={name: value for name in names})
        assert response.status_code < 500, (url, value)
