"""A resident's whole path in one list: visits, status changes, consent events, handovers,
connections with neighbours — read from the audit log, which records every one of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.consent.models import Consent
from app.db import db
from app.handovers.models import Handover
from app.matches.models import Match
from app.residents.models import Resident
from app.visits.models import Visit


def timeline_query(resident: Resident) -> Select[tuple[AuditEvent]]:
    """Every audit event about the resident or one of their visits, cases, consents,
    handovers and connections, newest first."""
    case_ids = select(Case.id).where(Case.resident_id == resident.id)
    objects: dict[str, Any] = {
        "resident": [str(resident.id)],
        "visit": _ids(select(Visit.id).where(Visit.resident_id == resident.id)),
        "case": _ids(case_ids),
        "consent": _ids(select(Consent.id).where(Consent.resident_id == resident.id)),
        "handover": _ids(select(Handover.id).where(Handover.case_id.in_(case_ids))),
        "match": _ids(select(Match.id).where((Match.offering_resident_id == resident.id)
                                             | (Match.seeking_resident_id == resident.id))),
    }
    conditions = [and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
                  for kind, ids in objects.items() if ids]
    return select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.seq.desc())


def _ids(query: Select[Any]) -> list[str]:
    return [str(value) for value in db.session.execute(query).scalars()]
