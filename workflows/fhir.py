"""The warm handover in HL7 FHIR terms: each handover state as a FHIR R4 `Task.status`.

A handover is the kind of work FHIR models as a Task: a request to an owner (the receiving
organisation) that it may accept or reject, perform, and complete. Buurtpad's own state
travels beside it as `Task.businessStatus`; `Task.status` is the nearest of FHIR's fixed codes.
"""

from __future__ import annotations

from types import MappingProxyType

# http://hl7.org/fhir/R4/valueset-task-status.html
FHIR_TASK_STATUSES: tuple[str, ...] = (
    "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
    "in-progress", "on-hold", "failed", "completed", "entered-in-error",
)

HANDOVER_FHIR_TASK_STATUS = MappingProxyType({
    # Not yet actionable by the receiving organisation: being prepared, or waiting for the
    # resident's consent before it may be offered.
    "draft": "draft",
    "awaiting_consent": "draft",
    "offered": "requested",
    "accepted": "accepted",
    # The joint introduction is the start of the work itself: planned, then held.
    "intro_scheduled": "in-progress",
    "intro_held": "in-progress",
    "completed": "completed",
    "declined": "rejected",
    "withdrawn": "cancelled",
})
