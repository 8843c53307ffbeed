"""Which matches a user may see: flatcoaches the matches whose two residents both live in
their buildings; nobody else."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import one_in_scope, uuid_or_404
from app.buildings.models import Dwelling
from app.matches.models import Match
from app.residents.models import Resident
from app.residents.scope import residents_query


def matches_query(user: User) -> Select[tuple[Match]]:
    query = select(Match)
    if user.role == Role.FLATCOACH:
        residents = residents_query(user).with_only_columns(Resident.id)
        return query.where(Match.offering_resident_id.in_(residents),
                           Match.seeking_resident_id.in_(residents))
    return query.where(False)


def match_in_scope(user: User, match_id: uuid.UUID | str) -> Match:
    return one_in_scope(
        matches_query(user)
        .options(
            joinedload(Match.offering_resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
            joinedload(Match.seeking_resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
            joinedload(Match.offering_consent),
            joinedload(Match.seeking_consent),
        )
        .where(Match.id == uuid_or_404(match_id)))
