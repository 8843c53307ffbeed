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
from app.organizations.models import Organization, OrganizationKind
from app.residents.models import Resident

PASSWORD = "correct horse battery"  # noqa: S105 - test fixture
_counter = itertools.count(1)
_password_hash: str | None = None


def _n() -> int:
    return next(_counter)


def create_organization(name: str | None = None, kind: str = "buurtteam") -> Organization:
    org = Organization(name=name or f"Organisatie {_n()}", kind=OrganizationKind(kind))
    db.session.add(org)
    db.session.flush()
    return org


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
    return dwelling


def create_resident(dwelling: Dwelling, display_name: str = "Fatima El Amrani",
                    **fields: Any) -> Resident:
    resident = Resident(dwelling_id=dwelling.id, display_name=display_name,
                        birth_year=fields.pop("birth_year", 1958),
                        phone=fields.pop("phone", "06-12345678"),
                        languages=fields.pop("languages", ["Nederlands", "Arabisch"]), **fields)
    db.session.add(resident)
    db.session.flush()
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
