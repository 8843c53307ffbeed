"""Which consent records a user may see: flatcoaches those of the residents in their
buildings, privacy officers all of them, others none."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.scope import one_in_scope, uuid_or_404
from app.consent.models import Consent
from app.residents.models import Resident
from app.residents.scope import residents_query


def consents_query(user: User) -> Select[tuple[Consent]]:
    query = select(Consent)
    if user.role == Role.PRIVACY_OFFICER:
        return query
    if user.role == Role.FLATCOACH:
        return query.where(Consent.resident_id.in_(residents_query(user).with_only_columns(
            Resident.id)))
    return query.where(False)


def consent_in_scope(user: User, consent_id: uuid.UUID | str) -> Consent:
    return one_in_scope(consents_query(user).where(Consent.id == uuid_or_404(consent_id)))
