from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.consent.gateway import consent_facts
from app.convenants.reading import convenant_facts
from app.db import db, utcnow
from policies import Action, ConsentFacts, ConvenantFacts, Decision, DisclosureRequest, decide


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


def consent_to_offer_under(actor: Any, resident_id: uuid.UUID, organization_id: int,
                           purpose: str, categories: Iterable[str],
                           now: datetime | None = None) -> uuid.UUID | None:
    """The consent an offer of these categories to `organization_id` for `purpose` would rely
    on now, or None when no valid consent of the resident covers it."""
    return consents_to_offer_under(actor, resident_id, [organization_id], purpose, categories,
                                   now).get(organization_id)


def consents_to_offer_under(actor: Any, resident_id: uuid.UUID, organization_ids: Iterable[int],
                            purpose: str, categories: Iterable[str],
                            now: datetime | None = None) -> dict[int, uuid.UUID]:
    """Of these organisations, those an offer could go to now under a valid consent of the
    resident (and a convenant naming them), with the consent it would rely on. The one policy
    decision answers, as it will when the offer is made; nothing is disclosed by asking, so
    nothing is logged. A consent never covers another organisation than the one it names."""
    facts, convenants = consent_facts(resident_id), convenant_facts()
    found = {}
    for organization_id in organization_ids:
        decision = _offer_decision(actor, resident_id, organization_id, purpose, categories,
                                   now, facts, convenants)
        if decision.allowed and decision.consent_id:
            found[organization_id] = uuid.UUID(decision.consent_id)
    return found


def offer_decision(actor: Any, resident_id: uuid.UUID, organization_id: int, purpose: str,
                   categories: Iterable[str], now: datetime | None = None) -> Decision:
    """What the one policy decision would answer to offering these categories to
    `organization_id` for `purpose` now, with why not as codes — asked before a coach
    submits, so nothing is disclosed and nothing is logged (the offer itself is)."""
    return _offer_decision(actor, resident_id, organization_id, purpose, categories, now,
                           consent_facts(resident_id), convenant_facts())


def _offer_decision(actor: Any, resident_id: uuid.UUID, organization_id: int, purpose: str,
                    categories: Iterable[str], now: datetime | None,
                    facts: tuple[ConsentFacts, ...],
                    convenants: tuple[ConvenantFacts, ...]) -> Decision:
    return decide(DisclosureRequest(
        actor_id=str(actor.id), actor_role=str(actor.role),
        actor_organization_id=(str(actor.organization_id)
                               if actor.organization_id is not None else None),
        action=Action.OFFER_HANDOVER, resident_id=str(resident_id),
        recipient_organization_id=str(organization_id), purpose=purpose,
        categories=frozenset(categories), now=now or utcnow(), consents=facts,
        convenants=convenants))


def valid_consents_for_organisations(resident_id: uuid.UUID,
                                     now: datetime | None = None) -> list[ConsentFacts]:
    """The resident's consents valid now that name an organisation, the latest ending
    first: what a handover can start from."""
    moment = now or utcnow()
    return sorted((fact for fact in consent_facts(resident_id)
                   if fact.recipient_organization_id is not None and fact.is_valid_at(moment)),
                  key=lambda fact: (fact.valid_until, fact.id), reverse=True)
