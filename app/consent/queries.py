from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db


def consent_history(consent: Any) -> list[dict[str, Any]]:
    """The consent's state changes, oldest first, from the audit log."""
    rows = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "consent", AuditEvent.object_id == str(consent.id),
               AuditEvent.event_type.in_(("transition", "consent_requested")))
        .order_by(AuditEvent.seq)
    ).scalars()
    history = []
    for row in rows:
        history.append({
            "at": row.occurred_at,
            "trigger": row.trigger or "request",
            "from_state": row.from_state or "",
            "to_state": row.to_state or "requested",
            "actor_role": row.actor_role,
            "details": row.arguments if row.event_type == "transition" else {},
        })
    return history
