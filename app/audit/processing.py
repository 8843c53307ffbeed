"""The processing log: every use of a resident's data, allowed or denied, with the purpose,
the legal basis and the categories concerned.

A denial must stay logged even when the request that caused it is rolled back: it is
remembered for the request (`keep_after_rollback`) and appended again after the rollback
(`keep_denials_after_rollback`), which the caller then commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context

from app.audit import chain
from app.audit.models import ProcessingLogEntry
from app.audit.operations import current_request_id
from app.tracing import current_trace_id
from policies import REGISTER


def log_processing(
    *,
    action: str,
    activity: str,
    decision: str,
    actor: Any | None,
    data_subject_id: Any | None,
    categories: Iterable[str] = (),
    legal_basis: str | None = None,
    consent_id: Any | None = None,
    safety_disclosure_id: Any | None = None,
    recipient_organization_id: int | None = None,
    object_type: str | None = None,
    object_id: Any | None = None,
    reasons: Iterable[str] = (),
    convenant_id: str | None = None,
    convenant_version: str | None = None,
) -> ProcessingLogEntry:
    register_entry = REGISTER[activity]
    entry = ProcessingLogEntry(
        action=action,
        processing_activity=activity,
        legal_basis=legal_basis,
        decision=decision,
        data_subject_id=str(data_subject_id) if data_subject_id is not None else None,
        categories=sorted(str(c) for c in categories),
        consent_id=str(consent_id) if consent_id else None,
        safety_disclosure_id=str(safety_disclosure_id) if safety_disclosure_id else None,
        actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None else "system",
        actor_organization_id=getattr(actor, "organization_id", None),
        recipient_organization_id=recipient_organization_id,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        confidentiality=str(register_entry.confidentiality),
        retention_days=register_entry.retention_days,
        reasons=list(reasons),
        request_id=current_request_id(),
        trace_id=current_trace_id(),
        convenant_id=convenant_id,
        convenant_version=convenant_version,
    )
    return chain.append(entry)



def keep_after_rollback(fields: dict[str, Any]) -> None:
    """Remember a denial of this request, to be appended again should the request roll back."""
    if has_request_context():
        g.setdefault("denied_disclosures", []).append(fields)


def keep_denials_after_rollback() -> None:
    """After a rollback, append the denials of this request again (and let the caller commit)."""
    for fields in g.pop("denied_disclosures", []):
        log_processing(**fields)
