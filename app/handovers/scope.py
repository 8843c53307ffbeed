"""Which handovers a user may see: flatcoaches the handovers of their cases; professionals
the handovers offered to their organisation, from the moment of offering on; others none."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import one_in_scope, uuid_or_404
from app.buildings.models import Dwelling
from app.cases.models import Case
from app.cases.scope import cases_query
from app.handovers.models import Handover
from app.residents.models import Resident


def handovers_query(user: User) -> Select[tuple[Handover]]:
    query = select(Handover)
    if user.role == Role.FLATCOACH:
        return query.where(Handover.case_id.in_(cases_query(user).with_only_columns(Case.id)))
    if user.role == Role.PROFESSIONAL and user.organization_id is not None:
        return query.where(Handover.organization_id == user.organization_id,
                           Handover.offered_at.is_not(None))
    return query.where(False)


def handover_in_scope(user: User, handover_id: uuid.UUID | str) -> Handover:
    # Everything a handover page or answer shows, in one statement.
    case = joinedload(Handover.case)
    return one_in_scope(
        handovers_query(user)
        .options(
            joinedload(Handover.organization),
            case.joinedload(Case.help_question),
            case.joinedload(Case.resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
        )
        .where(Handover.id == uuid_or_404(handover_id)))
