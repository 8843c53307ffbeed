"""Which residents a user may see: flatcoaches the residents of their buildings; privacy
officers every resident, for data subject requests; everyone else sees residents only
through what the consent gateway releases to them."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import not_found, one_in_scope, uuid_or_404
from app.buildings.models import Dwelling
from app.buildings.scope import coach_building_ids
from app.db import db
from app.residents.models import Resident


def residents_query(user: User) -> Select[tuple[Resident]]:
    query = select(Resident).join(Dwelling)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def resident_in_scope(user: User, resident_id: uuid.UUID | str) -> Resident:
    return one_in_scope(residents_query(user).where(Resident.id == uuid_or_404(resident_id)))


def resident_for_privacy_officer(user: User, resident_id: uuid.UUID | str) -> Resident:
    """Privacy officers handle data subject requests for every resident."""
    resident = None
    if user.role == Role.PRIVACY_OFFICER:
        resident = db.session.get(Resident, uuid_or_404(resident_id))
    if resident is None:
        not_found()
    return resident


def resident_for_consents(user: User, resident_id: uuid.UUID | str) -> Resident:
    if user.role == Role.PRIVACY_OFFICER:
        return resident_for_privacy_officer(user, resident_id)
    return resident_in_scope(user, resident_id)
