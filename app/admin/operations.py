"""Administrative changes by a coordinator: users, organisations, buildings with their
dwellings, coach assignments. Each is audited; deactivating a user ends their sessions and
API tokens at once."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.operations import record_event
from app.auth.models import User
from app.auth.operations import end_all_sessions, find_user_by_email, set_password
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.cases.models import Case
from app.db import db
from app.errors import Refused
from app.handovers.models import Handover
from app.insight import counts as insight_counts
from app.organizations.models import Organization, OrganizationKind
from workflows.case import CASE_OPEN_STATES
from workflows.handover import HANDOVER_ACTIVE_STATES


def create_user(admin: Any, *, email: str, name: str, role: Role,
                organization_id: int | None, password: str, phone: str | None = None) -> User:
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise Refused(message=_("A user with this email address already exists."), field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(message=_("Use at least %(count)d characters.",
                                count=MIN_PASSWORD_LENGTH), field="password")
    if role == Role.PROFESSIONAL and organization_id is None:
        raise Refused(message=_("A professional works for an organisation: choose it."),
                      field="organization_id")
    user = User(email=email, name=name.strip(), role=role, organization_id=organization_id,
                phone=phone)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record_event("user_created", actor=admin, object_type="user", object_id=user.id,
                 details={"role": str(role), "organization_id": organization_id})
    return user


@dataclass
class Holdings:
    """What a user holds that others depend on: a coach's buildings and open cases (with the
    handovers still running in them), a professional's accepted handovers still running.
    Leaving a role or an organisation, or the service, hands these to a successor first."""

    buildings: list[Building] = dataclass_field(default_factory=list)
    open_cases: list[Case] = dataclass_field(default_factory=list)
    handovers: list[Handover] = dataclass_field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.buildings or self.open_cases or self.handovers)


def holdings(user: User) -> Holdings:
    held = Holdings()
    if user.role == Role.FLATCOACH:
        held.buildings = list(db.session.execute(
            select(Building).join(CoachAssignment, CoachAssignment.building_id == Building.id)
            .where(CoachAssignment.user_id == user.id).order_by(Building.name)).scalars())
        held.open_cases = list(db.session.execute(
            select(Case).where(Case.coach_id == user.id, Case.state.in_(CASE_OPEN_STATES))
            .order_by(Case.opened_at, Case.id)).scalars())
        held.handovers = list(db.session.execute(
            select(Handover).where(Handover.case_id.in_([c.id for c in held.open_cases]),
                                   Handover.state.in_(HANDOVER_ACTIVE_STATES))
            .order_by(Handover.created_at)).scalars()) if held.open_cases else []
    elif user.role == Role.PROFESSIONAL:
        held.handovers = list(db.session.execute(
            select(Handover).where(Handover.accepted_by_id == user.id,
                                   Handover.state.in_(HANDOVER_ACTIVE_STATES))
            .order_by(Handover.accepted_at)).scalars())
    return held


def successors(user: User) -> list[User]:
    """Who can take over what `user` holds: an active colleague of the same role and
    organisation."""
    return list(db.session.execute(
        select(User).where(User.role == user.role, User.active.is_(True), User.id != user.id,
                           User.organization_id == user.organization_id
                           if user.organization_id is not None
                           else User.organization_id.is_(None))
        .order_by(User.name)).scalars())


def hand_over(admin: Any, user: User, successor: User | None) -> Holdings:
    """Everything `user` holds goes to `successor`: buildings (the successor is assigned, the
    user unassigned), open cases (the successor becomes their coach) and accepted handovers.
    Each step is logged. Refused without a fitting successor when there is anything to hand
    over."""
    held = holdings(user)
    if held.empty:
        return held
    if successor is None:
        raise Refused(message=_(
            "Choose a colleague who takes over the buildings, cases and handovers."),
            field="successor_id")
    if successor.id not in {colleague.id for colleague in successors(user)}:
        raise Refused(message=_(
            "Choose an active colleague of the same role and organisation."), field="successor_id")
    for building in held.buildings:
        if db.session.get(CoachAssignment, (successor.id, building.id)) is None:
            db.session.add(CoachAssignment(user_id=successor.id, building_id=building.id))
            record_event("coach_assigned", actor=admin, object_type="building",
                         object_id=building.id,
                         details={"user_id": successor.id, "taking_over_from": user.id})
        db.session.delete(db.session.get(CoachAssignment, (user.id, building.id)))
        record_event("coach_unassigned", actor=admin, object_type="building",
                     object_id=building.id,
                     details={"user_id": user.id, "handed_to": successor.id})
    for case in held.open_cases:
        case.coach_id = successor.id
        record_event("case_reassigned", actor=admin, object_type="case", object_id=case.id,
                     details={"from_user_id": user.id, "to_user_id": successor.id})
    if user.role == Role.PROFESSIONAL:
        for handover in held.handovers:
            handover.accepted_by_id = successor.id
            record_event("handover_reassigned", actor=admin, object_type="handover",
                         object_id=handover.id,
                         details={"from_user_id": user.id, "to_user_id": successor.id})
    db.session.flush()
    return held


def deactivate_user(admin: Any, user: User, successor: User | None = None) -> Holdings:
    """The user can no longer log in; what they hold goes to `successor` first."""
    if user.id == admin.id:
        raise Refused(message=_("You cannot deactivate your own account."), field="user")
    if not user.active:
        raise Refused(message=_("This user is deactivated already."), field="user")
    held = hand_over(admin, user, successor)
    user.active = False
    end_all_sessions(user)
    record_event("user_deactivated", actor=admin, object_type="user", object_id=user.id,
                 details={"handed_to": successor.id if successor is not None and not held.empty
                          else None,
                          "buildings": len(held.buildings), "open_cases": len(held.open_cases),
                          "handovers": len(held.handovers)})
    return held


def update_user(admin: Any, user: User, *, name: str, role: Role, organization_id: int | None,
                successor: User | None = None, phone: str | None = None) -> list[str]:
    """Name, role, organisation and work phone number. A new role or organisation hands what the user holds to
    `successor` first and ends every session of the user: they log in again with the new
    rights. Returns the names of the fields that changed."""
    name = name.strip()
    if not name:
        raise Refused(message=_("This field is required."), field="name")
    if role == Role.PROFESSIONAL and organization_id is None:
        raise Refused(message=_("A professional works for an organisation: choose it."),
                      field="organization_id")
    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        raise Refused(message=_("Choose from the options shown."), field="organization_id")
    changed = [fieldname for fieldname, old, new in (
        ("name", user.name, name), ("role", user.role, role),
        ("organization_id", user.organization_id, organization_id),
        ("phone", user.phone, phone)) if old != new]
    moves = {"role", "organization_id"} & set(changed)
    if moves and user.id == admin.id:
        raise Refused(message=_("You cannot change your own role or organisation."), field="role")
    if moves:
        hand_over(admin, user, successor)
    user.name, user.role, user.organization_id, user.phone = name, role, organization_id, phone
    if moves:
        end_all_sessions(user)
    if changed:
        db.session.flush()
        record_event("user_updated", actor=admin, object_type="user", object_id=user.id,
                     details={"changed": changed, "role": str(role),
                              "organization_id": organization_id})
    return changed


def reactivate_user(admin: Any, user: User) -> None:
    """Let a deactivated user log in again with their password; nothing else comes back
    (sessions and tokens ended at deactivation stay ended)."""
    if user.active:
        raise Refused(message=_("This user is active already."), field="user")
    user.active = True
    record_event("user_reactivated", actor=admin, object_type="user", object_id=user.id)


MAX_FLOORS = 40
MAX_DWELLINGS_PER_FLOOR = 60


def create_building(admin: Any, *, name: str, neighbourhood: str, city: str, street: str,
                    postcode: str, floors: int, dwellings_per_floor: int, first_number: int,
                    number_step: int) -> Building:
    """A building with its dwellings, numbered along each floor from `first_number` in steps
    of `number_step` (2 for gallery flats numbered on one side of the street)."""
    texts = {"name": name.strip(), "neighbourhood": neighbourhood.strip(),
             "city": city.strip(), "street": street.strip()}
    for field, value in texts.items():
        if not value:  # only spaces were typed
            raise Refused(message=_("This field is required."), field=field)
    name, neighbourhood, city, street = texts.values()
    compact = "".join(postcode.split()).upper()
    postcode = f"{compact[:4]} {compact[4:]}"  # as the post writes it: 3564 GD
    if db.session.execute(select(Building.id).where(Building.name == name)).first():
        raise Refused(message=_("A building with this name already exists."), field="name")
    if not 1 <= floors <= MAX_FLOORS:
        raise Refused(message=_("Between 1 and %(count)d floors.", count=MAX_FLOORS),
                      field="floors")
    if not 1 <= dwellings_per_floor <= MAX_DWELLINGS_PER_FLOOR:
        raise Refused(message=_("Between 1 and %(count)d dwellings per floor.",
                                count=MAX_DWELLINGS_PER_FLOOR), field="dwellings_per_floor")
    hood = db.session.execute(
        select(Neighbourhood).where(Neighbourhood.name == neighbourhood)
    ).scalar_one_or_none()
    if hood is None:
        hood = Neighbourhood(name=neighbourhood, city=city)
        db.session.add(hood)
    building = Building(neighbourhood=hood, name=name, floors=floors)
    try:
        # Another coordinator may create the same name at this moment: the unique index
        # decides, and the loser gets the same answer as above instead of an error.
        with db.session.begin_nested():
            db.session.add(building)
    except IntegrityError:
        raise Refused(message=_("A building with this name already exists."),
                      field="name") from None
    number = first_number
    for floor in range(1, floors + 1):
        for _slot in range(dwellings_per_floor):
            db.session.add(Dwelling(building_id=building.id, street=street, number=number,
                                    addition="", postcode=postcode, floor=floor))
            number += number_step
    db.session.flush()
    insight_counts.add(insight_counts.contribution(
        dwellings=[d.id for d in db.session.execute(
            select(Dwelling.id).where(Dwelling.building_id == building.id)).all()]))
    record_event("building_created", actor=admin, object_type="building", object_id=building.id,
                 details={"floors": floors, "dwellings": floors * dwellings_per_floor})
    return building


def create_organization(admin: Any, *, name: str, kind: OrganizationKind) -> Organization:
    name = name.strip()
    exists = db.session.execute(
        select(Organization.id).where(Organization.name == name)).scalar_one_or_none()
    if exists is not None:
        raise Refused(message=_("An organisation with this name already exists."), field="name")
    organization = Organization(name=name, kind=kind)
    db.session.add(organization)
    db.session.flush()
    record_event("organization_created", actor=admin, object_type="organization",
                 object_id=organization.id, details={"kind": str(kind)})
    return organization


def assign_coach(admin: Any, building: Building, coach: User) -> None:
    if coach.role != Role.FLATCOACH or not coach.active:
        raise Refused(message=_("Only an active flatcoach can be assigned."), field="user_id")
    if db.session.get(CoachAssignment, (coach.id, building.id)) is not None:
        raise Refused(message=_("This coach already works this building."), field="user_id")
    db.session.add(CoachAssignment(user_id=coach.id, building_id=building.id))
    db.session.flush()
    record_event("coach_assigned", actor=admin, object_type="building", object_id=building.id,
                 details={"user_id": coach.id})


def unassign_coach(admin: Any, building: Building, coach: User) -> None:
    assignment = db.session.get(CoachAssignment, (coach.id, building.id))
    if assignment is None:
        raise Refused(message=_("This coach does not work this building."), field="user_id")
    db.session.delete(assignment)
    db.session.flush()
    record_event("coach_unassigned", actor=admin, object_type="building",
                 object_id=building.id, details={"user_id": coach.id})


def resolve_escalation(admin: Any, alert: Any, note: str, now: Any = None) -> None:
    """A coordinator's "opgelost": when and by whom, and what was done. The note stays beside
    the escalation (erased with the resident's data); the log keeps that it was resolved."""
    from app.db import utcnow

    if alert.resolved_at is not None:
        raise Refused(message=_("This escalation has been resolved already."), field="note")
    alert.resolved_at = now or utcnow()
    alert.resolved_by_id = admin.id
    alert.resolution_note = note
    record_event("escalation_resolved", actor=admin, object_type="handover",
                 object_id=alert.handover_id, details={"alert_id": alert.id})
