"""The hash-chained logs, in the order they are verified."""

from __future__ import annotations

from app.audit.models import AuditEvent

CHAINED_LOGS = (AuditEvent,)
