"""The hash-chained logs, in the order they are verified."""

from __future__ import annotations

from app.audit.models import AuditEvent, ProcessingLogEntry

CHAINED_LOGS = (AuditEvent, ProcessingLogEntry)
