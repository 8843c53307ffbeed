"""Which cases a user may see: flatcoaches the cases of residents in their buildings;
nobody else sees cases."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import not_found, uuid_or_404
from app.buildings.models import Dwelling
from app.buildings.scope import coach_building_ids
from app.cases.models import Case, no_more_contact
from app.db import db
from app.residents.models import Resident


def cases_query(user: User) -> Select[tuple[Case]]:
    query = select(Case).join(Resident, Case.resident_id == Resident.id).join(
        Dwelling, Resident.dwelling_id == Dwelling.id)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def case_in_scope(user: User, case_id: uuid.UUID | str) -> Case:
    # The resident comes with the join that decides the scope: every answer names them,
    # and a transition asks whether they have been anonymised. Whether the resident wants
    # no more contact comes along too, for the case's answer.
    row = db.session.execute(
        cases_query(user)
        .add_columns(no_more_contact(Case))
        .options(contains_eager(Case.resident), joinedload(Case.help_question),
                 selectinload(Case.handovers))
        .where(Case.id == uuid_or_404(case_id))
    ).one_or_none()
    if row is None:
        not_found()
    case, case.no_more_contact_when_loaded = row
    return case
