from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from app.audit import chain
from app.audit.models import AuditEvent


def current_request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


def record_event(
    event_type: str,
    *,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> AuditEvent:
    """Append one audit event (login, transition, administrative change)."""
    event = AuditEvent(
        event_type=event_type,
        actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None and hasattr(actor, "role") else None,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        details=details or {},
        request_id=current_request_id(),
    )
    return chain.append(event)


def record_log_export(actor: Any, log: str, filters: dict[str, Any],
                      export_format: str | None = None) -> AuditEvent:
    """A log (or the consent register) left Buurtpad as a file: who exported it, with which
    filters, in which format when it is not the CSV of the pages."""
    details: dict[str, Any] = {"log": log}
    if export_format is not None:
        details["format"] = export_format
    details["filters"] = filters
    return record_event("log_exported", actor=actor, details=details)
