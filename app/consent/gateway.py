"""The consent gateway: every disclosure of a resident's data goes through here.

It gathers the facts (the resident's consents, a safety disclosure), asks the one policy
decision (`policies.decide`) and appends the outcome to the processing log — allowed or
denied. A denial must stay logged even when the request that caused it is rolled back,
so denials are remembered for the request and appended again after the rollback
(`app.audit.processing.keep_denials_after_rollback`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.audit.processing import keep_after_rollback, log_processing
from app.auth.permissions import Role
from app.consent.models import Consent
from app.convenants.reading import convenant_facts
from app.db import db, utcnow
from app.residents.models import Resident
from app.residents.scope import residents_query
from policies import (
    REGISTER,
    ConsentFacts,
    Decision,
    DisclosureRequest,
    SafetyDisclosureFacts,
    decide,
)


def consent_facts(resident_id: uuid.UUID) -> tuple[ConsentFacts, ...]:
    consents = db.session.execute(
        select(Consent).where(Consent.resident_id == resident_id)
    ).scalars()
    return tuple(_consent_fact(c) for c in consents)


def _resident_facts(resident_id: uuid.UUID) -> tuple[bool, tuple[ConsentFacts, ...]]:
    """Whether the resident has been anonymised, and their consents: one statement."""
    rows = db.session.execute(
        select(Resident.anonymised_at, Consent)
        .outerjoin(Consent, Consent.resident_id == Resident.id)
        .where(Resident.id == resident_id)
    ).all()
    anonymised = bool(rows) and rows[0][0] is not None
    return anonymised, tuple(_consent_fact(c) for _, c in rows if c is not None)


def _consent_fact(c: Consent) -> ConsentFacts:
    return ConsentFacts(
        id=str(c.id),
        resident_id=str(c.resident_id),
        state=c.state,
        purpose=c.purpose,
        recipient_organization_id=(str(c.recipient_organization_id)
                                   if c.recipient_organization_id is not None else None),
        recipient_resident_id=(str(c.recipient_resident_id)
                               if c.recipient_resident_id is not None else None),
        categories=frozenset(c.data_categories),
        valid_until=c.valid_until,
    )


# A handover in these states is no longer read by the organisation it was offered to.
ENDED_WITHOUT_HELP = frozenset({"declined", "withdrawn"})


def _residents_read_for(actor: Any, resident_id: uuid.UUID | None) -> frozenset[str]:
    """The residents the actor reads as: a resident signed in on their own page is that
    resident; the coach of `resident_id`'s building hands a contact card over to them in
    person. (The fact the policy compares with the recipient and the data subject.)"""
    if actor is not None and actor.role == Role.RESIDENT:
        return frozenset({str(actor.resident_id)}) if actor.resident_id else frozenset()
    if actor is None or resident_id is None or actor.role != Role.FLATCOACH:
        return frozenset()
    found = db.session.execute(
        residents_query(actor).where(Resident.id == resident_id)
        .with_only_columns(Resident.id)).scalar_one_or_none()
    return frozenset({str(found)}) if found is not None else frozenset()


def safety_facts(handover: Any) -> SafetyDisclosureFacts | None:
    from app.handovers.models import SafetyDisclosure

    disclosure = db.session.execute(
        select(SafetyDisclosure)
        .where(SafetyDisclosure.handover_id == handover.id)
        .order_by(SafetyDisclosure.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if disclosure is None:
        return None
    return SafetyDisclosureFacts(
        id=str(disclosure.id),
        legal_basis=disclosure.legal_basis,
        review_status=str(disclosure.review_status),
        recipient_organization_id=str(handover.organization_id),
    )


def disclose(
    *,
    actor: Any,
    action: str,
    resident_id: uuid.UUID,
    recipient_organization_id: int | None,
    purpose: str,
    categories: Iterable[str],
    handover: Any | None = None,
    now: datetime | None = None,
    recipient_resident_id: uuid.UUID | None = None,
    subject: Any | None = None,
) -> Decision:
    """Decide one disclosure and log it. The caller releases only `released_categories`.

    The recipient is an organisation or, for `recipient_resident_id`, another resident.
    `subject` (a workflow object such as a match) is named in the log entry; a handover
    given as `handover` is named there too and its safety disclosure is weighed."""
    subject = subject if subject is not None else handover
    anonymised, consents = _resident_facts(resident_id)
    offered_under = handover.consent_id if handover is not None else None
    request = DisclosureRequest(
        actor_id=str(actor.id) if actor is not None else "system",
        actor_role=str(actor.role) if actor is not None else "system",
        actor_organization_id=(
            str(actor.organization_id)
            if actor is not None and actor.organization_id is not None
            else None
        ),
        action=action,
        resident_id=str(resident_id),
        recipient_organization_id=(
            str(recipient_organization_id) if recipient_organization_id is not None else None
        ),
        purpose=purpose,
        categories=frozenset(str(c) for c in categories),
        now=now or utcnow(),
        consents=consents,
        resident_anonymised=anonymised,
        safety_disclosure=safety_facts(handover) if handover is not None else None,
        recipient_resident_id=(
            str(recipient_resident_id) if recipient_resident_id is not None else None
        ),
        reader_resident_ids=_residents_read_for(actor, recipient_resident_id),
        offered_under_consent_id=str(offered_under) if offered_under is not None else None,
        handover_ended=handover is not None and handover.state in ENDED_WITHOUT_HELP,
        convenants=convenant_facts() if recipient_organization_id is not None else (),
    )
    decision = decide(request)
    fields = {
        "action": action,
        "activity": purpose if purpose in REGISTER else "case_support",
        "decision": "allowed" if decision.allowed else "denied",
        "actor": actor,
        "data_subject_id": resident_id,
        "categories": decision.released_categories if decision.allowed else request.categories,
        "legal_basis": decision.legal_basis,
        "consent_id": decision.consent_id,
        "safety_disclosure_id": decision.safety_disclosure_id,
        "recipient_organization_id": recipient_organization_id,
        "object_type": subject.object_type if subject is not None else None,
        "object_id": subject.id if subject is not None else None,
        "reasons": decision.reasons,
        "convenant_id": decision.convenant_id,
        "convenant_version": decision.convenant_version,
    }
    log_processing(**fields)
    if not decision.allowed:
        keep_after_rollback(fields)
    return decision
