"""Factories with sensible defaults: `create_user(role="professional")`."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from app.auth.models import User
from app.auth.passwords import hash_password
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.db import db
from app.insight import counts as insight_counts
from app.organizations.models import Organization, OrganizationKind
from app.residents.models import Resident

PASSWORD = "correct horse battery"  # noqa: S105 - test fixture
_counter = itertools.count(1)
_password_hash: str | None = None


def _n() -> int:
    return next(_counter)


def create_organization(name: str | None = None, kind: str = "buurtteam", *,
                        party: bool = True) -> Organization:
    """An organisation; unless `party=False` it joins the test convenant, which covers every
    activity and category (sharing with an organisation needs one, besides consent)."""
    org = Organization(name=name or f"Organisatie {_n()}", kind=OrganizationKind(kind))
    db.session.add(org)
    db.session.flush()
    if party:
        join_test_convenant(org)
    return org


TEST_CONVENANT = "Testconvenant"


def shared_convenant() -> Any:
    """The one convenant of the test database, in force since 2020 for everything."""
    from datetime import date

    from sqlalchemy import select

    from app.convenants.models import Convenant
    from app.convenants.operations import create_convenant
    from policies import REGISTER

    found = db.session.execute(
        select(Convenant).where(Convenant.title == TEST_CONVENANT)).scalar_one_or_none()
    if found is not None:
        return found
    return create_convenant(None, title=TEST_CONVENANT, version="1", text="# Testconvenant\n",
                            valid_from=date(2020, 1, 1), valid_until=None,
                            activities={a.id: a.categories for a in REGISTER.values()})


def join_test_convenant(organization: Organization, **facts: Any) -> Any:
    from datetime import date

    from app.convenants.operations import join

    facts.setdefault("joined_on", date(2020, 1, 1))
    return join(None, shared_convenant(), organization_id=organization.id, **facts)


def create_user(role: str = "flatcoach", organization: Organization | None = None,
                email: str | None = None, name: str | None = None,
                active: bool = True) -> User:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    n = _n()
    user = User(
        email=email or f"{role}{n}@buurtpad.test",
        name=name or f"{role.title()} {n}",
        role=Role(role),
        organization_id=organization.id if organization else None,
        password_hash=_password_hash,
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_neighbourhood(name: str | None = None) -> Neighbourhood:
    hood = Neighbourhood(name=name or f"Wijk {_n()}", city="Utrecht")
    db.session.add(hood)
    db.session.flush()
    return hood


def create_building(coach: User | None = None, name: str | None = None, floors: int = 10,
                    neighbourhood: Neighbourhood | None = None) -> Building:
    building = Building(
        neighbourhood_id=(neighbourhood or create_neighbourhood()).id,
        name=name or f"Dreef {_n()}",
        floors=floors,
    )
    db.session.add(building)
    db.session.flush()
    if coach is not None:
        db.session.add(CoachAssignment(user_id=coach.id, building_id=building.id))
        db.session.flush()
    return building


def create_dwelling(building: Building, floor: int = 1, number: int | None = None) -> Dwelling:
    dwelling = Dwelling(building_id=building.id, street=building.name,
                        number=number or _n(), addition="", postcode="3561 AB", floor=floor)
    db.session.add(dwelling)
    db.session.flush()
    insight_counts.add(insight_counts.contribution(dwellings=[dwelling.id]))
    return dwelling


def create_resident(dwelling: Dwelling, display_name: str = "Fatima El Amrani",
                    **fields: Any) -> Resident:
    resident = Resident(dwelling_id=dwelling.id, display_name=display_name,
                        birth_year=fields.pop("birth_year", 1958),
                        phone=fields.pop("phone", "06-12345678"),
                        languages=fields.pop("languages", ["Nederlands", "Arabisch"]), **fields)
    db.session.add(resident)
    db.session.flush()
    insight_counts.add(insight_counts.contribution(residents=[resident.id]))
    return resident


@dataclass
class World:
    coach: User
    other_coach: User
    professional: User
    other_professional: User
    privacy_officer: User
    coordinator: User
    welzijn: Organization
    buurtteam: Organization
    schuldhulp: Organization
    building: Building
    other_building: Building
    dwelling: Dwelling
    other_dwelling: Dwelling
    resident: Resident
    other_resident: Resident

    def user(self, role: str) -> User:
        return {
            "flatcoach": self.coach,
            "professional": self.professional,
            "privacy_officer": self.privacy_officer,
            "coordinator": self.coordinator,
        }[role]


def build_world() -> World:
    welzijn = create_organization(kind="welzijn")
    buurtteam = create_organization(kind="buurtteam")
    schuldhulp = create_organization(kind="schuldhulp")
    coach = create_user("flatcoach", welzijn)
    other_coach = create_user("flatcoach", welzijn)
    building = create_building(coach)
    other_building = create_building(other_coach)
    dwelling = create_dwelling(building, floor=3)
    other_dwelling = create_dwelling(other_building, floor=5)
    return World(
        coach=coach,
        other_coach=other_coach,
        professional=create_user("professional", buurtteam),
        other_professional=create_user("professional", schuldhulp),
        privacy_officer=create_user("privacy_officer", welzijn),
        coordinator=create_user("coordinator", welzijn),
        welzijn=welzijn,
        buurtteam=buurtteam,
        schuldhulp=schuldhulp,
        building=building,
        other_building=other_building,
        dwelling=dwelling,
        other_dwelling=other_dwelling,
        resident=create_resident(dwelling),
        other_resident=create_resident(other_dwelling, display_name="Henk de Boer"),
    )


# --- Workflow subjects, brought to a state through the real operations ---------------------
# Each factory fires the same transitions a coach or professional would, so guards, cascades
# and the transition log are exactly what the application itself produces.

HELP_QUESTION = {"text": "Ik kom niet rond en durf de post niet meer open te maken.",
                 "themes": ["finances", "daily_administration"], "urgency": "normal"}
HANDOVER_CATEGORIES = ("identity", "contact", "help_question")


def create_consent(resident: Resident, coach: User, organization: Organization, *,
                   state: str = "given", purpose: str = "warm_handover",
                   data_categories: tuple[str, ...] | list[str] = HANDOVER_CATEGORIES,
                   valid_until: Any = None) -> Any:
    """A consent of `resident` for `organization`, moved to `state` (requested, given, refused,
    withdrawn, expired, revoked)."""
    from app.consent.operations import fire_consent
    from app.consent.recording import request_consent
    from app.db import utcnow
    from policies import default_valid_until

    consent = request_consent(coach, resident.id, {
        "purpose": purpose,
        "recipient_organization_id": organization.id,
        "data_categories": list(data_categories),
        "valid_until": valid_until or default_valid_until(utcnow()),
    })
    give = ("give", coach, {"method": "verbal", "notice_version": "2026-01"})
    steps = {
        "requested": [],
        "given": [give],
        "refused": [("refuse", coach, {})],
        "withdrawn": [give, ("withdraw", coach, {"reason": "De bewoner wil het niet meer."})],
        "expired": [give, ("expire", None, {})],
        "revoked": [give, ("revoke", create_user("privacy_officer"),
                           {"reason": "Recorded in error."})],
    }[state]
    for trigger, actor, arguments in steps:
        fire_consent(consent, trigger, actor, arguments)
    db.session.flush()
    return consent


_HANDOVER_PATH = ("offered", "accepted", "intro_scheduled", "intro_held", "completed")


def create_handover(case: Any, coach: User, organization: Organization, *,
                    state: str = "draft", consent: Any = None, professional: User | None = None,
                    purpose: str = "warm_handover",
                    data_categories: tuple[str, ...] | list[str] = HANDOVER_CATEGORIES,
                    intro_at: Any = None, new_consent: bool = True) -> Any:
    """A handover of `case` to `organization`, moved to `state`. The case must allow handovers
    (question_formulated, referred, supported). From `offered` on a given consent is created
    unless one is passed; `professional` (default: a new one of `organization`) accepts."""
    from datetime import timedelta

    from app.db import utcnow
    from app.handovers.operations import create_handover as prepare
    from app.handovers.operations import fire_handover

    handover = prepare(coach, case, {"organization_id": organization.id, "purpose": purpose,
                                     "data_categories": list(data_categories),
                                     "consent_id": consent.id if consent is not None else None})
    if state == "draft":
        return handover
    if state == "awaiting_consent":
        if consent is None:
            consent = create_consent(case.resident, coach, organization, state="requested",
                                     purpose=purpose, data_categories=data_categories)
            handover.consent_id = consent.id
        fire_handover(handover, "request_consent", coach, {})
        return handover
    if state == "withdrawn":
        fire_handover(handover, "withdraw", coach, {"reason": "Niet meer nodig."})
        return handover
    if consent is None and new_consent:
        create_consent(case.resident, coach, organization, purpose=purpose,
                       data_categories=data_categories)
    fire_handover(handover, "offer", coach, {})
    if state == "declined":
        professional = professional or create_user("professional", organization)
        fire_handover(handover, "decline", professional,
                      {"decline_reason": "no_capacity", "reason": "Geen plek."})
        return handover
    target = _HANDOVER_PATH.index(state)
    professional = professional or create_user("professional", organization)
    intro_at = intro_at or utcnow() + timedelta(days=3)
    steps = [
        ("accept", professional, {}),
        ("schedule_intro", coach, {"intro_at": intro_at, "place": "Buurtkamer Overvecht"}),
        ("record_intro", coach, {}),
        ("complete", professional, {}),
    ]
    for trigger, actor, arguments in steps[:target]:
        fire_handover(handover, trigger, actor, arguments)
    db.session.flush()
    return handover


_CASE_PATH = ("contacted", "exploring", "question_formulated", "referred", "supported")


def create_case(resident: Resident, coach: User, state: str = "contacted", *,
                organization: Organization | None = None, professional: User | None = None,
                paused_from: str = "exploring", outcome: str = "no_help_needed",
                help_question: dict[str, Any] | None = None) -> Any:
    """A case of `resident`, moved to `state` through its real transitions. `referred` and
    `supported` go through a warm handover to `organization` (default: the professional's, or
    a new buurtteam); `paused` pauses from `paused_from`; `closed` closes from exploring.
    A resident has one open case at a time: when `resident` has one already, the case is
    opened for a housemate in the same dwelling."""
    from app.cases.operations import fire_case, open_case, open_case_of

    if open_case_of(resident) is not None:
        resident = create_resident(resident.dwelling, display_name=f"Huisgenoot {_n()}")
    case = open_case(coach, resident)
    if state in ("paused", "closed"):
        base = paused_from if state == "paused" else "exploring"
        case = _advance_case(case, coach, base, organization, professional, help_question)
        if state == "paused":
            fire_case(case, "pause", coach, {"reason": "De bewoner is een maand op reis."})
        else:
            fire_case(case, "close", coach, {"outcome": outcome})
        db.session.flush()
        return case
    return _advance_case(case, coach, state, organization, professional, help_question)


def _advance_case(case: Any, coach: User, state: str, organization: Organization | None,
                  professional: User | None, help_question: dict[str, Any] | None) -> Any:
    from app.cases.operations import fire_case, set_help_question

    target = _CASE_PATH.index(state)
    if target >= 1:
        fire_case(case, "start_exploring", coach, {})
    if target >= 2:
        set_help_question(coach, case, help_question or HELP_QUESTION)
        fire_case(case, "formulate_question", coach, {})
    if target >= 3:
        if organization is None:
            organization = professional.organization if professional else create_organization()
        create_handover(case, coach, organization, state="offered" if target == 3 else "completed",
                        professional=professional)
    db.session.flush()
    return case


# Shorthands used by the consent and privacy tests.


def create_formulated_case(resident: Resident, coach: User, *,
                           text: str = "Ik wil hulp bij mijn post en rekeningen.",
                           themes: tuple[str, ...] = ("daily_administration",)) -> Any:
    """A case of `resident` in state `question_formulated`, ready for a handover."""
    return create_case(resident, coach, "question_formulated",
                       help_question={"text": text, "themes": list(themes), "urgency": "normal"})


def create_consent_in_state(resident: Resident, coach: User, organization: Organization,
                            categories: tuple[str, ...] | list[str], *, state: str = "given",
                            purpose: str = "warm_handover", valid_until: Any = None) -> Any:
    return create_consent(resident, coach, organization, state=state, purpose=purpose,
                          data_categories=categories, valid_until=valid_until)


def create_handover_in_state(case: Any, coach: User, organization: Organization,
                             categories: tuple[str, ...] | list[str], *,
                             purpose: str = "warm_handover", consent: Any = None,
                             state: str = "offered", professional: User | None = None) -> Any:
    """Like `create_handover`, but offering relies on the consents the resident already has."""
    return create_handover(case, coach, organization, state=state, consent=consent,
                           professional=professional, purpose=purpose,
                           data_categories=categories, new_consent=False)


# --- Buurtkamer -----------------------------------------------------------------------------

def create_activity(building: Building, coach: User, *, title: str = "Koffieochtend",
                    theme: str = "meeting", days_from_now: float = 7,
                    place: str = "Buurtkamer", residents_alone: bool = False,
                    participant_count: int | None = None, cancelled: bool = False) -> Any:
    """An activity in `building` planned by `coach` (who organises it, unless residents do
    it alone), starting `days_from_now` days from now (negative: it took place)."""
    from datetime import timedelta

    from app.buurtkamer.operations import cancel_activity, plan_activity, record_participation
    from app.db import utcnow

    activity = plan_activity(coach, building, {
        "title": title, "theme": theme, "place": place,
        "starts_at": utcnow() + timedelta(days=days_from_now),
        "organising_coach_id": None if residents_alone else coach.id})
    if participant_count is not None:
        record_participation(coach, activity, participant_count)
    if cancelled:
        cancel_activity(coach, activity)
    db.session.flush()
    return activity


def create_organiser(activity: Any, resident: Resident, coach: User, *,
                     consent_state: str = "given") -> Any:
    """`resident` named as organiser of `activity` under a consent to connect residents
    (identity) for the coach's organisation; the consent is then moved to `consent_state`."""
    from app.buurtkamer.operations import add_organiser
    from app.consent.operations import fire_consent

    organization = db.session.get(Organization, coach.organization_id)
    consent = create_consent(resident, coach, organization, purpose="resident_connection",
                             data_categories=("identity",))
    organiser = add_organiser(coach, activity, resident, consent)
    if consent_state == "withdrawn":
        fire_consent(consent, "withdraw", coach, {"reason": "Wil niet meer genoemd worden."})
    elif consent_state != "given":
        raise ValueError(f"unsupported consent_state {consent_state!r}")
    db.session.flush()
    return organiser
