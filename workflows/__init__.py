"""Buurtpad's workflows: explicit state machines for cases, handovers, consents and matches.

Plain Python without Flask or SQLAlchemy, so that it can be read, tested and reviewed on its own.
"""

from workflows.case import CASE
from workflows.consent import CONSENT
from workflows.definition import Guard, Timer, Transition, Workflow, describe, to_mermaid
from workflows.engine import (
    FiredTransition,
    GuardCheck,
    GuardFailed,
    GuardNotImplemented,
    MissingArgument,
    RoleNotAllowed,
    SubjectAnonymised,
    TriggerNotAllowed,
    UnknownTrigger,
    WorkflowError,
    allowed_triggers,
    fire,
)
from workflows.handover import HANDOVER
from workflows.match import MATCH

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (CASE, HANDOVER, CONSENT, MATCH)}

__all__ = [
    "CASE",
    "CONSENT",
    "HANDOVER",
    "MATCH",
    "WORKFLOWS",
    "FiredTransition",
    "Guard",
    "GuardCheck",
    "GuardFailed",
    "GuardNotImplemented",
    "MissingArgument",
    "RoleNotAllowed",
    "SubjectAnonymised",
    "Timer",
    "Transition",
    "TriggerNotAllowed",
    "UnknownTrigger",
    "Workflow",
    "WorkflowError",
    "allowed_triggers",
    "describe",
    "fire",
    "to_mermaid",
]
