"""Possible duplicate residents: a resident registered at a dwelling where someone with a
similar name lives already — typed twice online, or registered on two phones at the door
without a signal — is flagged, never merged silently. The coach decides: one person
(`merge`, the newer registration's visits move to the existing resident and the newer
registration goes) or two (`keep_apart`). Each decision is a logged command."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select, update

from app.audit.operations import record_event
from app.auth.models import User
from app.buildings.models import Dwelling
from app.buildings.scope import coach_building_ids
from app.db import db, utcnow
from app.errors import Refused
from app.insight import counts as insight_counts
from app.residents.models import DuplicateState, PossibleDuplicate, Resident


def normalised_name(name: str) -> str:
    """A name as compared for duplicates: without case, accents, spacing or punctuation
    ("Fátima  el-Amrani" and "fatima elamrani" are the same)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed
                   if char.isalnum() and not unicodedata.combining(char)).casefold()


def flag_possible_duplicates(coach: User, resident: Resident) -> list[PossibleDuplicate]:
    """Flags `resident`, just registered, against each resident of the same dwelling whose
    name is the same once normalised."""
    wanted = normalised_name(resident.display_name)
    if not wanted:
        return []
    neighbours = db.session.execute(
        select(Resident).where(Resident.dwelling_id == resident.dwelling_id,
                               Resident.id != resident.id,
                               Resident.anonymised_at.is_(None))
        .order_by(Resident.created_at)
    ).scalars()
    flags = [PossibleDuplicate(dwelling_id=resident.dwelling_id, resident_id=resident.id,
                               existing_resident_id=existing.id)
             for existing in neighbours if normalised_name(existing.display_name) == wanted]
    if flags:
        db.session.add_all(flags)
        db.session.flush()
        for flag in flags:
            record_event("possible_duplicate_flagged", actor=coach, object_type="resident",
                         object_id=resident.id,
                         details={"possible_duplicate_id": flag.id,
                                  "existing_resident_id": str(flag.existing_resident_id)})
    return flags


# --------------------------------------------------------------------------- reading


def flags_query(user: User) -> Select[tuple[PossibleDuplicate]]:
    """Open flags at dwellings of the coach's buildings, between residents not anonymised."""
    query = (select(PossibleDuplicate)
             .join(Dwelling, Dwelling.id == PossibleDuplicate.dwelling_id)
             .where(PossibleDuplicate.state == DuplicateState.OPEN,
                    Dwelling.building_id.in_(coach_building_ids(user))))
    for column in (PossibleDuplicate.resident_id, PossibleDuplicate.existing_resident_id):
        query = query.where(~select(Resident.id).where(
            Resident.id == column, Resident.anonymised_at.is_not(None)).exists())
    return query.order_by(PossibleDuplicate.flagged_at, PossibleDuplicate.id)


def flag_in_scope(user: User, flag_id: int) -> PossibleDuplicate | None:
    """A flag of the coach's buildings, open or decided; None otherwise."""
    return db.session.execute(
        select(PossibleDuplicate).join(Dwelling, Dwelling.id == PossibleDuplicate.dwelling_id)
        .where(PossibleDuplicate.id == flag_id,
               Dwelling.building_id.in_(coach_building_ids(user)))
    ).scalar_one_or_none()


def open_flags_of(resident_ids: list[Any]) -> dict[Any, list[Any]]:
    """resident id → the ids of the residents it is flagged against (open flags only)."""
    if not resident_ids:
        return {}
    found: dict[Any, list[Any]] = {}
    for new, existing in db.session.execute(
        select(PossibleDuplicate.resident_id, PossibleDuplicate.existing_resident_id)
        .where(PossibleDuplicate.state == DuplicateState.OPEN,
               PossibleDuplicate.resident_id.in_(resident_ids))
        .order_by(PossibleDuplicate.id)
    ):
        found.setdefault(new, []).append(existing)
    return found


# --------------------------------------------------------------------------- deciding


def _decidable(flag: PossibleDuplicate) -> tuple[Resident, Resident]:
    if flag.state != DuplicateState.OPEN or flag.resident is None:
        raise Refused(message=_("This possible duplicate has been decided already."),
                      field="decision")
    if flag.resident.anonymised_at is not None or flag.existing_resident.anonymised_at:
        raise Refused(message=_("One of these residents has been anonymised."), field="decision")
    return flag.resident, flag.existing_resident


def _resolve(flag: PossibleDuplicate, coach: User, state: DuplicateState) -> None:
    flag.state = state
    flag.resolved_at = utcnow()
    flag.resolved_by_id = coach.id


def keep_apart(coach: User, flag: PossibleDuplicate) -> PossibleDuplicate:
    """Not a duplicate: two people with similar names live at the dwelling."""
    newer, existing = _decidable(flag)
    _resolve(flag, coach, DuplicateState.KEPT)
    db.session.flush()
    record_event("possible_duplicate_kept", actor=coach, object_type="resident",
                 object_id=newer.id, details={"possible_duplicate_id": flag.id,
                                              "existing_resident_id": str(existing.id)})
    return flag


# Rows that may refer to a registration that is merged: its visits move to the resident it
# is merged into, the flags about it are settled here. Anything else (a case, a consent, a
# connection, an organiser's role …) means the registration has a life of its own.
_MOVED = {("visits", "resident_id")}
_SETTLED = {("possible_duplicates", "resident_id"),
            ("possible_duplicates", "existing_resident_id")}


def _other_references(resident: Resident) -> list[str]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (table.name, column.name) in _MOVED | _SETTLED:
                continue
            if any(key.column.table.name == "residents" for key in column.foreign_keys):
                count = db.session.execute(select(func.count()).select_from(table)
                                           .where(column == resident.id)).scalar_one()
                if count:
                    found.append(table.name)
    return found


def merge(coach: User, flag: PossibleDuplicate) -> Resident:
    """One person: the newer registration's visits move to the existing resident, who also
    takes over a year of birth, phone number and languages they lacked; the newer
    registration goes. Refused when the newer registration has a case, consent or any other
    record of its own."""
    newer, existing = _decidable(flag)
    if _other_references(newer):
        raise Refused(message=_(
            "The newer registration already has a case, consent or connection of its own, "
            "so it cannot be merged. Keep the two apart, or ask the privacy officer."),
            field="decision")
    newer_id = newer.id
    with insight_counts.kept(residents=[newer_id, existing.id]):
        _merge_into(existing, newer, flag, coach)
    record_event("residents_merged", actor=coach, object_type="resident", object_id=existing.id,
                 details={"possible_duplicate_id": flag.id, "merged_resident_id": str(newer_id)})
    return existing


def _merge_into(existing: Resident, newer: Resident, flag: PossibleDuplicate,
                coach: User) -> None:
    visits = db.metadata.tables["visits"]
    db.session.execute(update(visits).where(visits.c.resident_id == newer.id)
                       .values(resident_id=existing.id))
    if existing.birth_year is None:
        existing.birth_year = newer.birth_year
    if not existing.phone:
        existing.phone = newer.phone
    existing.languages = list(dict.fromkeys([*(existing.languages or []),
                                             *(newer.languages or [])]))
    # Later registrations flagged against the newer one are now a question about the
    # existing resident; the other flags of the newer registration are moot once it goes.
    db.session.execute(update(PossibleDuplicate)
                       .where(PossibleDuplicate.existing_resident_id == newer.id,
                              PossibleDuplicate.id != flag.id)
                       .values(existing_resident_id=existing.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(PossibleDuplicate)
                       .where(PossibleDuplicate.id != flag.id,
                              PossibleDuplicate.resident_id == newer.id)
                       .execution_options(synchronize_session=False))
    _resolve(flag, coach, DuplicateState.MERGED)
    flag.resident = None
    db.session.flush()
    db.session.delete(newer)
    db.session.flush()


def decide(coach: User, flag: PossibleDuplicate, decision: str) -> Resident | None:
    """The coach's decision on a possible duplicate: `merge` (one person: the resident kept
    is returned) or `keep` (two people)."""
    if decision == "merge":
        return merge(coach, flag)
    keep_apart(coach, flag)
    return None
