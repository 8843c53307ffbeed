"""The samenwerkingsconvenant: consent is necessary, not enough. A share to an organisation
needs that organisation to be a party, on that day, to a convenant in force that covers the
purpose and every category; a safety disclosure outside it needs legal_obligation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from policies import convenant_cover, decide
from tests.policies.test_policies_decision import (
    BUURTTEAM,
    NOW,
    SCHULDHULP,
    consent,
    read_request,
    request,
    safety,
)
from tests.policy_facts import convenant_of

TODAY = NOW.date()
HANDOVER_ONLY = {"warm_handover": frozenset({"identity", "contact", "help_question"})}


def test_a_party_on_the_day_allows_the_share_and_the_decision_names_the_convenant():
    decision = decide(request(consent(), convenants=(convenant_of(BUURTTEAM, id="c-7",
                                                                  version="2026-1"),)))

    assert decision.allowed
    assert (decision.convenant_id, decision.convenant_version) == ("c-7", "2026-1")
    assert decision.reasons[-1] == ("organisation org-buurtteam is a party to convenant c-7 "
                                    "(Samenwerkingsconvenant (versie 2026-1)) for purpose "
                                    "warm_handover")


def test_consent_is_not_enough_for_an_organisation_outside_every_convenant():
    decision = decide(request(consent(), convenants=(convenant_of(SCHULDHULP),)))

    assert not decision.allowed
    assert decision.released_categories == frozenset()
    assert decision.missing == ("organisation org-buurtteam is not a party to any convenant "
                                "covering purpose warm_handover")


@pytest.mark.parametrize(("facts", "gap"), [
    ({"joined_on": TODAY + timedelta(days=1)},
     f"organisation org-buurtteam joins Samenwerkingsconvenant (versie 1) on "
     f"{(TODAY + timedelta(days=1)).isoformat()}"),
    ({"left_on": TODAY},
     f"organisation org-buurtteam left Samenwerkingsconvenant (versie 1) on {TODAY.isoformat()}"),
    ({"valid_until": TODAY - timedelta(days=1)},
     f"Samenwerkingsconvenant (versie 1) ended on {(TODAY - timedelta(days=1)).isoformat()}"),
])
def test_a_party_only_on_the_days_it_is_one_and_while_the_convenant_is_in_force(facts, gap):
    decision = decide(request(consent(), convenants=(convenant_of(BUURTTEAM, **facts),)))

    assert not decision.allowed
    assert decision.missing == gap


def test_the_day_before_leaving_still_shares():
    leaving = convenant_of(BUURTTEAM, left_on=TODAY + timedelta(days=1))
    assert decide(request(consent(), convenants=(leaving,))).allowed


def test_every_category_must_be_in_the_convenant_for_the_purpose():
    narrow = convenant_of(BUURTTEAM, activities={"warm_handover": frozenset({"identity"})})

    decision = decide(request(consent(), convenants=(narrow,)))

    assert not decision.allowed
    assert decision.missing == ("Samenwerkingsconvenant (versie 1) does not allow categories "
                                "contact, help_question for purpose warm_handover")


def test_a_purpose_the_convenant_does_not_cover_is_not_shared():
    other_work = convenant_of(BUURTTEAM, activities={"resident_connection": frozenset({"identity"})})
    assert not decide(request(consent(), convenants=(other_work,))).allowed


def test_a_read_after_the_reader_organisation_left_is_denied():
    left = convenant_of(BUURTTEAM, left_on=TODAY - timedelta(days=3))

    decision = decide(read_request(consent(), convenants=(left,)))

    assert not decision.allowed
    assert decision.released_categories == frozenset()


@pytest.mark.parametrize(("basis", "allowed"), [("vital_interest", False),
                                                  ("legal_obligation", True)])
def test_a_safety_disclosure_outside_the_convenant_needs_legal_obligation(basis, allowed):
    decision = decide(request(safety_disclosure=safety(legal_basis=basis), convenants=()))

    assert decision.allowed is allowed
    if not allowed:
        assert decision.reasons[-1] == (
            "the recipient is outside the convenant (organisation org-buurtteam is not a party "
            "to any convenant covering purpose warm_handover): a safety disclosure to it needs "
            "the basis legal_obligation (safety disclosure safety-1)")


def test_a_safety_disclosure_inside_the_convenant_may_rest_on_vital_interest():
    decision = decide(request(safety_disclosure=safety(),
                              convenants=(convenant_of(BUURTTEAM, activities=HANDOVER_ONLY),)))
    assert decision.allowed
    assert decision.convenant_id == "convenant-1"


def test_sharing_with_a_resident_needs_no_convenant():
    from tests.policies.test_policies_resident_recipient import consent as card_consent
    from tests.policies.test_policies_resident_recipient import request as card_request

    assert decide(card_request(card_consent(), convenants=())).allowed


def test_of_several_convenants_the_one_in_force_longest_is_relied_on():
    ending = convenant_of(BUURTTEAM, id="old", valid_until=TODAY + timedelta(days=10))
    lasting = convenant_of(BUURTTEAM, id="new", version="2")

    cover = convenant_cover((ending, lasting), BUURTTEAM, "warm_handover", {"identity"}, TODAY)

    assert cover.covered and cover.convenant.id == "new"
    assert cover.gaps == ()


def test_a_convenant_about_others_is_not_named_as_a_gap():
    cover = convenant_cover((convenant_of(SCHULDHULP),), BUURTTEAM, "warm_handover",
                            {"identity"}, date(2025, 6, 1))
    assert cover.gaps == ("organisation org-buurtteam is not a party to any convenant covering "
                          "purpose warm_handover",)


def test_the_consent_record_names_the_convenant_it_may_be_shared_under():
    from policies import ConsentEvent, Party, build_consent_record

    given = consent()
    record = build_consent_record(
        given, controller=Party(id="org-welzijn", name="Welzijn", kind="welzijn"),
        recipient=Party(id=BUURTTEAM, name="Buurtteam", kind="buurtteam"),
        events=[ConsentEvent(at=NOW, state="given", actor_role="flatcoach", method="verbal",
                             notice_version="2026-01")],
        convenant=convenant_of(BUURTTEAM, id="c-9", version="2026-2"))

    assert record["convenant"] == {"id": "c-9", "title": "Samenwerkingsconvenant",
                                   "version": "2026-2"}


# -- the edges of the days -----------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "in_force"), [(-1, False), (0, True), (1, True)])
def test_a_convenant_is_in_force_from_its_first_day(offset, in_force):
    starting = convenant_of(BUURTTEAM)
    starting = type(starting)(**{**{f: getattr(starting, f) for f in starting.__slots__},
                                 "valid_from": TODAY})
    assert starting.in_force_on(TODAY + timedelta(days=offset)) is in_force


@pytest.mark.parametrize(("offset", "in_force"), [(-1, True), (0, True), (1, False)])
def test_a_convenant_is_in_force_up_to_and_including_its_last_day(offset, in_force):
    ending = convenant_of(BUURTTEAM, valid_until=TODAY)
    assert ending.in_force_on(TODAY + timedelta(days=offset)) is in_force


@pytest.mark.parametrize(("offset", "party"), [(-1, False), (0, True), (1, True)])
def test_a_party_receives_from_the_day_it_joins(offset, party):
    joined = convenant_of(BUURTTEAM, joined_on=TODAY).parties[0]
    assert joined.party_on(TODAY + timedelta(days=offset)) is party


@pytest.mark.parametrize(("offset", "party"), [(-1, True), (0, False), (1, False)])
def test_a_party_receives_nothing_from_the_day_it_leaves(offset, party):
    leaving = convenant_of(BUURTTEAM, left_on=TODAY).parties[0]
    assert leaving.party_on(TODAY + timedelta(days=offset)) is party


def test_a_convenant_not_yet_in_force_says_from_when():
    later = convenant_of(BUURTTEAM)
    later = type(later)(**{**{f: getattr(later, f) for f in later.__slots__},
                           "valid_from": TODAY + timedelta(days=5)})
    cover = convenant_cover((later,), BUURTTEAM, "warm_handover", {"identity"}, TODAY)
    assert cover.gaps == (f"Samenwerkingsconvenant (versie 1) is in force from "
                          f"{(TODAY + timedelta(days=5)).isoformat()}",)


def test_every_concerned_convenant_explains_itself_and_the_first_covering_one_is_kept():
    ended = convenant_of(BUURTTEAM, id="a", valid_until=TODAY - timedelta(days=1))
    narrow = convenant_of(BUURTTEAM, id="b", activities={"warm_handover": frozenset()})
    assert convenant_cover((ended, narrow), BUURTTEAM, "warm_handover", {"identity"},
                           TODAY).gaps == (
        f"Samenwerkingsconvenant (versie 1) ended on {(TODAY - timedelta(days=1)).isoformat()}",
        "Samenwerkingsconvenant (versie 1) does not allow categories identity for purpose "
        "warm_handover")
    first = convenant_of(BUURTTEAM, id="z", version="1")
    same_end = convenant_of(BUURTTEAM, id="y", version="1")
    newer = convenant_of(BUURTTEAM, id="x", version="2")
    assert convenant_cover((first, same_end), BUURTTEAM, "warm_handover", {"identity"},
                           TODAY).convenant.id == "z"
    assert convenant_cover((first, newer, same_end), BUURTTEAM, "warm_handover", {"identity"},
                           TODAY).convenant.id == "x"


def test_a_denial_joins_every_convenant_gap():
    ended = convenant_of(BUURTTEAM, id="a", valid_until=TODAY - timedelta(days=1))
    narrow = convenant_of(BUURTTEAM, id="b", activities={"warm_handover": frozenset()})
    decision = decide(request(consent(), convenants=(ended, narrow)))
    assert decision.missing == (
        f"Samenwerkingsconvenant (versie 1) ended on {(TODAY - timedelta(days=1)).isoformat()}; "
        "Samenwerkingsconvenant (versie 1) does not allow categories contact, help_question, "
        "identity for purpose warm_handover")


def test_a_safety_disclosure_inside_no_convenant_names_none():
    decision = decide(request(safety_disclosure=safety(legal_basis="legal_obligation"),
                              convenants=()))
    assert decision.allowed
    assert (decision.convenant_id, decision.convenant_version) == (None, None)
    assert len(decision.reasons) == 1
