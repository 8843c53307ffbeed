from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from app.audit.operations import record_event
from app.buildings.models import Dwelling
from app.cases.operations import open_case, open_case_of
from app.db import db
from app.residents.models import Resident
from app.visits.models import Visit, VisitOutcome


class VisitInvalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def record_visit(coach: Any, dwelling: Dwelling, data: Mapping[str, Any]) -> Visit:
    resident = None
    if data.get("resident_id") is not None:
        resident = db.session.get(Resident, data["resident_id"])
        if resident is None or resident.dwelling_id != dwelling.id:
            raise VisitInvalid("resident_id", _("This resident does not live at this dwelling."))
    visit = Visit(
        dwelling_id=dwelling.id,
        coach_id=coach.id,
        resident_id=resident.id if resident else None,
        outcome=VisitOutcome(data["outcome"]),
        themes=list(dict.fromkeys(data.get("themes") or [])),
        offers=list(dict.fromkeys(data.get("offers") or [])),
        wishes=list(dict.fromkeys(data.get("wishes") or [])),
        willingness=data.get("willingness"),
        notes=data.get("notes") or "",
    )
    db.session.add(visit)
    if data.get("household_size") is not None:
        # As told at the door; the latest answer is the dwelling's household size.
        dwelling.household_size = data["household_size"]
    db.session.flush()
    if data.get("open_case"):
        if resident is None or visit.outcome != VisitOutcome.TALKED:
            raise VisitInvalid("open_case",
                               _("A case opens from a conversation with a known resident."))
        # A conversation with a resident whose case is open belongs to that case.
        visit.case_id = (open_case_of(resident) or open_case(coach, resident)).id
    record_event("visit_recorded", actor=coach, object_type="visit", object_id=visit.id,
                 details={"outcome": str(visit.outcome)})
    return visit
