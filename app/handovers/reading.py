"""Reading a handover: what the caller may see of it. A professional's read of resident
data goes through the consent gateway and is logged; they receive only released categories.
The API and the pages both read handovers through this one function."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.auth.permissions import Role
from app.consent.gateway import disclose
from app.db import db
from app.handovers.models import Handover
from app.handovers.released import released_data
from app.handovers.schemas import HandoverSchema
from app.lifecycle.firing import triggers_for
from policies import Action

HANDOVER_NOTE = "handover_note"  # the note's field in policies.CATEGORY_FIELDS


def read_handover(user: Any, handover: Handover) -> dict[str, Any]:
    view = {name: getattr(handover, name) for name in HandoverSchema.VIEW_FIELDS}
    view.update(organization=handover.organization.name,
                allowed_triggers=triggers_for(handover, user), service=handover.service_label)
    if user.role == Role.FLATCOACH:
        view.update(case_id=handover.case_id, resident=None, released_categories=[],
                    access={"allowed": True, "reasons": ["you hold this case"]})
        return view
    decision = disclose(actor=user, action=Action.READ_HANDOVER,
                        resident_id=handover.case.resident_id,
                        recipient_organization_id=handover.organization_id,
                        purpose=handover.purpose, categories=handover.data_categories,
                        handover=handover)
    released = sorted(decision.released_categories) if decision.allowed else []
    if not decision.allowed:
        # Access has ended: the coach's free text about the resident goes with it.
        view.update(note="", intro_place=None)
    elif HANDOVER_NOTE not in decision.released_fields:
        # The coach's note is data of category `notes`, released only when consented to.
        view.update(note="")
    view.update(
        case_id=None,
        released_categories=released,
        resident=released_data(handover, released) if decision.allowed else None,
        access={"allowed": decision.allowed, "reasons": list(decision.reasons)},
    )
    return view


# What the inbox names of a handover, each from the category it belongs to (policies'
# CATEGORY_FIELDS): the resident's name is identity, the building is contact, the urgency is
# part of the help question.
INBOX_FIELDS = (("name", "identity"), ("building", "contact"), ("urgency", "help_question"))


def inbox_row(user: Any, handover: Handover) -> dict[str, Any]:
    """One line of the inbox: the coach who made the handover (staff data, always shown) and
    of the resident only what a disclosure releases. A professional's read goes through the
    consent gateway and is logged like the handover page's; what it does not release is
    absent (None), and the page shows a neutral label instead of a name."""
    case = handover.case
    resident = case.resident
    values = {"name": resident.display_name,
              "building": resident.dwelling.building.name,
              "urgency": str(case.help_question.urgency) if case.help_question else None}
    row: dict[str, Any] = {"coach": db.session.get(User, case.coach_id), **dict.fromkeys(values)}
    if user.role == Role.FLATCOACH:
        return {**row, **values}
    asked = [category for _name, category in INBOX_FIELDS
             if category in handover.data_categories]
    if not asked:
        return row
    decision = disclose(actor=user, action=Action.READ_HANDOVER,
                        resident_id=case.resident_id,
                        recipient_organization_id=handover.organization_id,
                        purpose=handover.purpose, categories=asked, handover=handover)
    released = set(decision.released_categories) if decision.allowed else set()
    row.update({name: values[name] for name, category in INBOX_FIELDS if category in released})
    return row
