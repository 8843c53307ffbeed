"""Fill an empty database with the demo neighbourhood, deterministically."""

from __future__ import annotations

import random
from collections.abc import Callable

from faker import Faker
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.db import db
from app.demo import data
from app.demo.activity import fill_activity
from app.demo.buurtkamer import fill_buurtkamer
from app.demo.convenant import create_demo_convenant
from app.demo.funding import fill_funding
from app.demo.matches import fill_matches
from app.directory.demo import create_demo_directory
from app.insight.counts import recount as recount_insight
from app.organizations.models import Organization, OrganizationKind
from app.residents.models import Resident


class DatabaseNotEmpty(Exception):
    pass


def database_is_empty() -> bool:
    return db.session.execute(select(func.count(User.id))).scalar_one() == 0


def _name_and_languages(rng: random.Random, fake: Faker) -> tuple[str, list[str]]:
    background = rng.choices(
        ["dutch", "moroccan", "turkish", "surinamese", "other"], weights=[40, 22, 15, 10, 13]
    )[0]
    if background == "dutch":
        name = f"{fake.first_name()} {fake.last_name()}"
        languages = ["Nederlands"]
    else:
        first, last = data.MIGRANT_NAMES[background]
        name = f"{rng.choice(first)} {rng.choice(last)}"
        pool = data.LANGUAGES[background]
        languages = pool[:1] + rng.sample(pool[1:], k=min(len(pool) - 1, rng.randint(1, 2)))
    return name, languages


def _birth_year(rng: random.Random) -> int:
    # Many older residents: about a third 65+.
    age = rng.choices([rng.randint(18, 39), rng.randint(40, 64), rng.randint(65, 92)],
                      weights=[35, 33, 32])[0]
    return 2026 - age


def fill_demo(password: str, seed: int = 2026,
              progress: Callable[[int], None] | None = None) -> dict[str, int]:
    if not database_is_empty():
        raise DatabaseNotEmpty()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    step = progress or (lambda _n: None)

    organizations = {}
    for name, kind in data.ORGANIZATIONS:
        organizations[name] = Organization(name=name, kind=OrganizationKind(kind))
        db.session.add(organizations[name])
    db.session.flush()
    create_demo_convenant(organizations)
    create_demo_directory(organizations)

    password_hash = hash_password(password)
    users = {}
    for email, name, role, organization in data.USERS:
        users[email] = User(email=email, name=name, role=Role(role),
                            organization_id=organizations[organization].id,
                            password_hash=password_hash, phone=data.WORK_PHONES.get(email))
        db.session.add(users[email])
    db.session.flush()
    step(1)

    overvecht = Neighbourhood(name="Overvecht", city="Utrecht")
    db.session.add(overvecht)
    db.session.flush()
    counts = {"organizations": len(organizations), "users": len(users), "buildings": 0,
              "dwellings": 0, "residents": 0}
    for name, postcode_prefix, per_floor, coach_email in data.BUILDINGS:
        building = Building(neighbourhood_id=overvecht.id, name=name, floors=data.FLOORS)
        db.session.add(building)
        db.session.flush()
        db.session.add(CoachAssignment(user_id=users[coach_email].id, building_id=building.id))
        counts["buildings"] += 1
        number = 1
        letters = "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
        for floor in range(1, data.FLOORS + 1):
            for _slot in range(per_floor):
                dwelling = Dwelling(building_id=building.id, street=name, number=number,
                                    addition="", postcode=f"{postcode_prefix} {letters}",
                                    floor=floor)
                db.session.add(dwelling)
                db.session.flush()
                counts["dwellings"] += 1
                number += 2  # gallery flats: odd numbers along the gallery
                if rng.random() < 0.4:
                    for _person in range(rng.choice([1, 1, 1, 2, 2, 3])):
                        display_name, languages = _name_and_languages(rng, fake)
                        db.session.add(Resident(
                            dwelling_id=dwelling.id,
                            display_name=display_name,
                            birth_year=_birth_year(rng),
                            phone=f"06-{rng.randint(10000000, 99999999)}"
                            if rng.random() < 0.7 else None,
                            languages=languages,
                            created_by_id=users[coach_email].id,
                        ))
                        counts["residents"] += 1
        db.session.flush()
        step(1)
    counts.update(fill_activity(rng, organizations))
    counts.update(fill_matches())
    counts.update(fill_buurtkamer(seed))
    counts.update(fill_funding(organizations))
    # The neighbourhood was written row by row: its insight counts follow from it at once.
    recount_insight()
    step(1)
    return counts


DEMO_STEPS = 2 + len(data.BUILDINGS)
