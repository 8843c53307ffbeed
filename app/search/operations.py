"""Finding a resident or a door in the coach's own buildings.

The scope comes first (the coach's buildings, through the dwellings' building index), then
the text: a name or street is matched anywhere, case-insensitively, with `%` and `_` taken
literally (`app.db.contains_text`); a number finds the doors with that house number; a street
and number ("Tigrisdreef 12") finds that door. Anonymised residents are never found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from app.buildings.models import Building, Dwelling
from app.buildings.scope import coach_building_ids
from app.db import contains_text, db
from app.residents.models import Resident

LIMIT = 20
# "Tigrisdreef 12", "Tigrisdreef 12a": the last number is the house number.
_STREET_AND_NUMBER = re.compile(r"^(?P<street>.*\D)\s*(?P<number>\d{1,5})\s*(?P<addition>[A-Za-z]{0,3})$")


@dataclass(frozen=True)
class Hit:
    kind: str  # "resident" or "dwelling"
    id: str
    title: str
    detail: str
    dwelling_id: int


def search(user: Any, text: str, limit: int = LIMIT) -> list[Hit]:
    text = " ".join(text.split())
    if not text:
        return []
    # The coach's buildings as values, not a subquery: a statement run often is planned once
    # for any parameters (PostgreSQL's generic plan after five runs), and with the coach only
    # a parameter of a subquery that plan walks every door of the neighbourhood before it
    # narrows to the coach's buildings (`make bench`, row "search").
    buildings = list(db.session.execute(coach_building_ids(user)).scalars())
    if not buildings:
        return []
    mine = Dwelling.building_id.in_(buildings)
    number = int(text) if text.isdigit() and len(text) <= 5 else None
    match = _STREET_AND_NUMBER.match(text) if number is None else None
    if number is not None:
        doors = [Dwelling.number == number]
    elif match is not None:
        doors = [contains_text(Dwelling.street, match["street"].strip()),
                 Dwelling.number == int(match["number"])]
    else:
        doors = [contains_text(Dwelling.street, text)]
    residents = db.session.execute(
        select(Resident.id, Resident.display_name, Dwelling, Building.name)
        .join(Dwelling, Dwelling.id == Resident.dwelling_id)
        .join(Building, Building.id == Dwelling.building_id)
        .where(mine, Resident.anonymised_at.is_(None),
               contains_text(Resident.display_name, text) if number is None and match is None
               else and_(*doors))
        .order_by(Resident.display_name, Dwelling.number).limit(limit)).all()
    dwellings = db.session.execute(
        select(Dwelling, Building.name).join(Building, Building.id == Dwelling.building_id)
        .where(mine, *doors)
        .order_by(Building.name, Dwelling.number, Dwelling.addition).limit(limit)).all()
    hits = [Hit("resident", str(rid), name, f"{dwelling.address} · {building}", dwelling.id)
            for rid, name, dwelling, building in residents]
    hits += [Hit("dwelling", str(dwelling.id), dwelling.address,
                 f"{building} · {dwelling.postcode}", dwelling.id)
             for dwelling, building in dwellings]
    return hits[:limit]
