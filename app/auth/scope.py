"""What each caller may see. Anything outside it is answered with 404 (never revealed)."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.auth.models import User
from app.auth.permissions import Role
from app.buildings.models import Building, CoachAssignment, Dwelling
from app.db import db
from app.residents.models import Resident
from app.validation import ID_MAX


def not_found() -> Any:
    abort(404, message=_("Not found."))


def staff_query() -> Select[tuple[User]]:
    """The people of the participating organisations: never a resident's own account."""
    return select(User).where(User.role != Role.RESIDENT)


def staff_member(user_id: int) -> User | None:
    return db.session.execute(staff_query().where(User.id == user_id)).scalar_one_or_none()


def coach_building_ids(user: User) -> Select[tuple[int]]:
    return select(CoachAssignment.building_id).where(CoachAssignment.user_id == user.id)


def buildings_query(user: User) -> Select[tuple[Building]]:
    query = select(Building).order_by(Building.name)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Building.id.in_(coach_building_ids(user)))
    return query.where(False)


def building_in_scope(user: User, building_id: int) -> Building:
    if not 1 <= building_id <= ID_MAX:  # names no row; the driver would overflow
        not_found()
    building = db.session.execute(
        buildings_query(user).where(Building.id == building_id)
    ).scalar_one_or_none()
    if building is None:
        not_found()
    return building


def dwelling_in_scope(user: User, dwelling_id: int) -> Dwelling:
    """Dwellings are worked by the coaches of their building."""
    dwelling = db.session.get(Dwelling, dwelling_id)
    if dwelling is None or user.role != Role.FLATCOACH:
        not_found()
    building_in_scope(user, dwelling.building_id)
    return dwelling


def residents_query(user: User) -> Select[tuple[Resident]]:
    """Coaches see the residents of their buildings; everyone else sees residents only
    through what the consent gateway releases to them."""
    query = select(Resident).join(Dwelling)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def resident_in_scope(user: User, resident_id: uuid.UUID | str) -> Resident:
    try:
        rid = resident_id if isinstance(resident_id, uuid.UUID) else uuid.UUID(str(resident_id))
    except ValueError:
        not_found()
    resident = db.session.execute(
        residents_query(user).where(Resident.id == rid)
    ).scalar_one_or_none()
    if resident is None:
        not_found()
    return resident


def _uuid_or_404(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        not_found()
        raise  # unreachable: not_found aborts


def cases_query(user: User) -> Select[tuple[Any]]:
    """Coaches see the cases of residents in their buildings; nobody else sees cases."""
    from app.cases.models import Case

    query = select(Case).join(Resident, Case.resident_id == Resident.id).join(
        Dwelling, Resident.dwelling_id == Dwelling.id)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def case_in_scope(user: User, case_id: uuid.UUID | str) -> Any:
    from app.cases.models import Case, no_more_contact

    # The resident comes with the join that decides the scope: every answer names them,
    # and a transition asks whether they have been anonymised. Whether the resident wants
    # no more contact comes along too, for the case's answer.
    row = db.session.execute(
        cases_query(user)
        .add_columns(no_more_contact(Case))
        .options(contains_eager(Case.resident), joinedload(Case.help_question),
                 selectinload(Case.handovers))
        .where(Case.id == _uuid_or_404(case_id))
    ).one_or_none()
    if row is None:
        not_found()
    case, case.no_more_contact_when_loaded = row
    return case


def handovers_query(user: User) -> Select[tuple[Any]]:
    """Coaches: the handovers of their cases. Professionals: handovers offered to their
    organisation (from the moment of offering on). Others: none."""
    from app.cases.models import Case
    from app.handovers.models import Handover

    query = select(Handover)
    if user.role == Role.FLATCOACH:
        return query.where(Handover.case_id.in_(cases_query(user).with_only_columns(Case.id)))
    if user.role == Role.PROFESSIONAL and user.organization_id is not None:
        return query.where(Handover.organization_id == user.organization_id,
                           Handover.offered_at.is_not(None))
    return query.where(False)


def handover_in_scope(user: User, handover_id: uuid.UUID | str) -> Any:
    from app.cases.models import Case
    from app.handovers.models import Handover

    # Everything a handover page or answer shows, in one statement.
    case = joinedload(Handover.case)
    handover = db.session.execute(
        handovers_query(user)
        .options(
            joinedload(Handover.organization),
            case.joinedload(Case.help_question),
            case.joinedload(Case.resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
        )
        .where(Handover.id == _uuid_or_404(handover_id))
    ).unique().scalar_one_or_none()
    if handover is None:
        not_found()
    return handover


def consents_query(user: User) -> Select[tuple[Any]]:
    """Coaches: consents of residents in their buildings. Privacy officers: all."""
    from app.consent.models import Consent

    query = select(Consent)
    if user.role == Role.PRIVACY_OFFICER:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Consent.resident_id.in_(residents_query(user).with_only_columns(
            Resident.id)))
    return query.where(False)


def consent_in_scope(user: User, consent_id: uuid.UUID | str) -> Any:
    from app.consent.models import Consent

    consent = db.session.execute(
        consents_query(user).where(Consent.id == _uuid_or_404(consent_id))
    ).scalar_one_or_none()
    if consent is None:
        not_found()
    return consent


def resident_for_privacy_officer(user: User, resident_id: uuid.UUID | str) -> Resident:
    """Privacy officers handle data subject requests for every resident."""
    resident = None
    if user.role == Role.PRIVACY_OFFICER:
        resident = db.session.get(Resident, _uuid_or_404(resident_id))
    if resident is None:
        not_found()
    return resident


def resident_for_consents(user: User, resident_id: uuid.UUID | str) -> Resident:
    if user.role == Role.PRIVACY_OFFICER:
        return resident_for_privacy_officer(user, resident_id)
    return resident_in_scope(user, resident_id)


def visits_query(user: User) -> Select[tuple[Any]]:
    from app.visits.models import Visit

    query = select(Visit).join(Dwelling, Visit.dwelling_id == Dwelling.id)
    if user.role == Role.FLATCOACH:
        return query.where(Dwelling.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def activities_query(user: User) -> Select[tuple[Any]]:
    """Buurtkamer activities: coaches see those of their buildings, coordinators all."""
    from app.buurtkamer.models import Activity

    query = select(Activity)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Activity.building_id.in_(coach_building_ids(user)))
    return query.where(False)


def activity_in_scope(user: User, activity_id: int) -> Any:
    from app.buurtkamer.models import Activity
    from app.buurtkamer.reading import shown

    if not 1 <= activity_id <= ID_MAX:  # names no row; the driver would overflow
        not_found()
    activity = db.session.execute(
        activities_query(user)
        .options(*shown())
        .where(Activity.id == activity_id)
    ).scalar_one_or_none()
    if activity is None:
        not_found()
    return activity


def matches_query(user: User) -> Select[tuple[Any]]:
    """Coaches: matches whose two residents both live in their buildings. Others: none."""
    from app.matches.models import Match

    query = select(Match)
    if user.role == Role.FLATCOACH:
        residents = residents_query(user).with_only_columns(Resident.id)
        return query.where(Match.offering_resident_id.in_(residents),
                           Match.seeking_resident_id.in_(residents))
    return query.where(False)


def match_in_scope(user: User, match_id: uuid.UUID | str) -> Any:
    from app.matches.models import Match

    match = db.session.execute(
        matches_query(user)
        .options(
            joinedload(Match.offering_resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
            joinedload(Match.seeking_resident).joinedload(Resident.dwelling)
            .joinedload(Dwelling.building),
            joinedload(Match.offering_consent),
            joinedload(Match.seeking_consent),
        )
        .where(Match.id == _uuid_or_404(match_id))
    ).unique().scalar_one_or_none()
    if match is None:
        not_found()
    return match
