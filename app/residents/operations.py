from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.audit.operations import record_event
from app.auth.models import User
from app.buildings.models import Dwelling
from app.db import db
from app.errors import Refused
from app.insight import counts as insight_counts
from app.residents.duplicates import flag_possible_duplicates
from app.residents.models import Resident


def register_resident(coach: User, dwelling: Dwelling, data: dict[str, Any]) -> Resident:
    """A new resident of the dwelling; flagged as a possible duplicate (never merged) when
    someone with a similar name lives there already."""
    resident = Resident(
        dwelling_id=dwelling.id,
        display_name=data["display_name"],
        birth_year=data.get("birth_year"),
        phone=data.get("phone"),
        languages=list(data.get("languages") or []),
        created_by_id=coach.id,
    )
    db.session.add(resident)
    db.session.flush()
    insight_counts.add(insight_counts.contribution(residents=[resident.id]))
    record_event("resident_registered", actor=coach, object_type="resident", object_id=resident.id)
    flag_possible_duplicates(coach, resident)
    return resident


def refuse_anonymised_resident(resident: Resident | None, field: str | None = None) -> None:
    """An anonymised resident is asked nothing, opens nothing and organises nothing, and
    nothing is shared with them."""
    if resident is not None and resident.anonymised_at is not None:
        raise Refused(message=_("This resident has been anonymised."), field=field)
