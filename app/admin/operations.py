"""Administrative changes by a coordinator: users, organisations, buildings with their
dwellings, coach assignments. Each is audited; deactivating a user ends their sessions and
API tokens at once."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.operations import record_event
from app.auth.models import User
from app.auth.operations import end_all_sessions, find_user_by_email, set_password
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.db import db
from app.organizations.models import Organization, OrganizationKind

MIN_PASSWORD_LENGTH = 12


class AdminRefused(Exception):
    """A change that cannot be made; `field` names the input concerned."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def create_user(admin: Any, *, email: str, name: str, role: Role,
                organization_id: int | None, password: str) -> User:
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise AdminRefused("email", _("A user with this email address already exists."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminRefused("password", _("Use at least %(count)d characters.",
                                         count=MIN_PASSWORD_LENGTH))
    if role == Role.PROFESSIONAL and organization_id is None:
        raise AdminRefused("organization_id",
                           _("A professional works for an organisation: choose it."))
    user = User(email=email, name=name.strip(), role=role, organization_id=organization_id)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record_event("user_created", actor=admin, object_type="user", object_id=user.id,
                 details={"role": str(role), "organization_id": organization_id})
    return user


def deactivate_user(admin: Any, user: User) -> None:
    if user.id == admin.id:
        raise AdminRefused("user", _("You cannot deactivate your own account."))
    user.active = False
    end_all_sessions(user)
    record_event("user_deactivated", actor=admin, object_type="user", object_id=user.id)


def reactivate_user(admin: Any, user: User) -> None:
    """Let a deactivated user log in again with their password; nothing else comes back
    (sessions and tokens ended at deactivation stay ended)."""
    if user.active:
        raise AdminRefused("user", _("This user is active already."))
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
            raise AdminRefused(field, _("This field is required."))
    name, neighbourhood, city, street = texts.values()
    compact = "".join(postcode.split()).upper()
    postcode = f"{compact[:4]} {compact[4:]}"  # as the post writes it: 3564 GD
    if db.session.execute(select(Building.id).where(Building.name == name)).first():
        raise AdminRefused("name", _("A building with this name already exists."))
    if not 1 <= floors <= MAX_FLOORS:
        raise AdminRefused("floors", _("Between 1 and %(count)d floors.", count=MAX_FLOORS))
    if not 1 <= dwellings_per_floor <= MAX_DWELLINGS_PER_FLOOR:
        raise AdminRefused("dwellings_per_floor", _("Between 1 and %(count)d dwellings per floor.",
                                                    count=MAX_DWELLINGS_PER_FLOOR))
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
        raise AdminRefused("name", _("A building with this name already exists.")) from None
    number = first_number
    for floor in range(1, floors + 1):
        for _slot in range(dwellings_per_floor):
            db.session.add(Dwelling(building_id=building.id, street=street, number=number,
                                    addition="", postcode=postcode, floor=floor))
            number += number_step
    db.session.flush()
    record_event("building_created", actor=admin, object_type="building", object_id=building.id,
                 details={"floors": floors, "dwellings": floors * dwellings_per_floor})
    return building


def create_organization(admin: Any, *, name: str, kind: OrganizationKind) -> Organization:
    name = name.strip()
    exists = db.session.execute(
        select(Organization.id).where(Organization.name == name)).scalar_one_or_none()
    if exists is not None:
        raise AdminRefused("name", _("An organisation with this name already exists."))
    organization = Organization(name=name, kind=kind)
    db.session.add(organization)
    db.session.flush()
    record_event("organization_created", actor=admin, object_type="organization",
                 object_id=organization.id, details={"kind": str(kind)})
    return organization


def assign_coach(admin: Any, building: Building, coach: User) -> None:
    if coach.role != Role.FLATCOACH or not coach.active:
        raise AdminRefused("user_id", _("Only an active flatcoach can be assigned."))
    if db.session.get(CoachAssignment, (coach.id, building.id)) is not None:
        raise AdminRefused("user_id", _("This coach already works this building."))
    db.session.add(CoachAssignment(user_id=coach.id, building_id=building.id))
    db.session.flush()
    record_event("coach_assigned", actor=admin, object_type="building", object_id=building.id,
                 details={"user_id": coach.id})


def unassign_coach(admin: Any, building: Building, coach: User) -> None:
    assignment = db.session.get(CoachAssignment, (coach.id, building.id))
    if assignment is None:
        raise AdminRefused("user_id", _("This coach does not work this building."))
    db.session.delete(assignment)
    db.session.flush()
    record_event("coach_unassigned", actor=admin, object_type="building",
                 object_id=building.id, details={"user_id": coach.id})


def resolve_escalation(admin: Any, alert: Any, note: str, now: Any = None) -> None:
    """A coordinator's "opgelost": when and by whom, and what was done. The note stays beside
    the escalation (erased with the resident's data); the log keeps that it was resolved."""
    from app.db import utcnow

    if alert.resolved_at is not None:
        raise AdminRefused("note", _("This escalation has been resolved already."))
    alert.resolved_at = now or utcnow()
    alert.resolved_by_id = admin.id
    alert.resolution_note = note
    record_event("escalation_resolved", actor=admin, object_type="handover",
                 object_id=alert.handover_id, details={"alert_id": alert.id})
