"""What the resident's own page shows, and only that: their consents in plain words, where
their help question and handovers stand, and who saw or received their data.

Never shown: the coach's notes and the notes with visits and handovers, safety notes,
anything under a safety disclosure (its handover and its reads), other residents, and a
household member's records. Every opening of the page is a disclosure decided by the policy
(`Action.SELF_ACCESS`, the resident as reader of their own data) and logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit.models import ProcessingLogEntry
from app.auth.models import User
from app.cases.models import Case
from app.consent.gateway import disclose
from app.consent.models import Consent
from app.db import db, utcnow
from app.handovers.models import Handover
from app.organizations.models import Organization
from app.privacy.access import CATEGORY_EXPLAINED, AccessGroup, access_log
from app.residents.models import Resident
from policies import DataCategory, in_order
from policies.decision import ACCESS_REQUEST_PURPOSE, SELF_ACCESS_ROLE, Action

# What the page itself releases to the resident (logged with each opening).
SHOWN_CATEGORIES = (DataCategory.IDENTITY, DataCategory.HELP_QUESTION)
# Kept, but shown only in the formal access report the privacy officer hands over.
NOT_SHOWN = (DataCategory.NOTES, DataCategory.SAFETY)


@dataclass(frozen=True)
class ConsentLine:
    id: Any
    recipient: str | None  # an organisation's name; None: another resident
    purpose: str
    categories: list[str]
    valid_until: datetime
    state: str
    can_withdraw: bool


@dataclass(frozen=True)
class HandoverLine:
    organisation: str
    state: str
    offered_at: datetime | None
    intro_at: datetime | None
    intro_place: str | None


def _consents(resident_id: Any, now: datetime) -> list[ConsentLine]:
    rows = db.session.execute(
        select(Consent).options(joinedload(Consent.recipient_organization))
        .where(Consent.resident_id == resident_id)
        .order_by(Consent.valid_until.desc())).scalars()
    lines = []
    for consent in rows:
        lines.append(ConsentLine(
            id=consent.id,
            recipient=(consent.recipient_organization.name
                       if consent.recipient_organization is not None else None),
            purpose=consent.purpose,
            categories=in_order(consent.data_categories),
            valid_until=consent.valid_until,
            state=("expired" if consent.state == "given" and not consent.is_valid_at(now)
                   else consent.state),
            can_withdraw=consent.is_valid_at(now),
        ))
    return lines


def _handovers(resident_id: Any) -> list[HandoverLine]:
    """Handovers offered under the resident's consent; one made under a safety disclosure
    is not shown here."""
    rows = db.session.execute(
        select(Handover).join(Case).options(joinedload(Handover.organization))
        .where(Case.resident_id == resident_id, Handover.consent_id.is_not(None),
               Handover.offered_at.is_not(None))
        .order_by(Handover.offered_at.desc())).scalars()
    return [HandoverLine(organisation=h.organization.name, state=h.state,
                         offered_at=h.offered_at, intro_at=h.intro_at,
                         intro_place=h.intro_place) for h in rows]


def _help_question(resident_id: Any) -> Any:
    case = db.session.execute(
        select(Case).options(joinedload(Case.help_question))
        .where(Case.resident_id == resident_id)
        .order_by(Case.opened_at.desc()).limit(1)).scalar_one_or_none()
    return case.help_question if case is not None else None


def _who_saw(resident_id: Any) -> list[AccessGroup]:
    """The processing log of the resident, without their own readings and without anything
    done under a safety disclosure."""
    entries = list(db.session.execute(
        select(ProcessingLogEntry)
        .where(ProcessingLogEntry.data_subject_id == str(resident_id),
               ProcessingLogEntry.actor_role.is_distinct_from(SELF_ACCESS_ROLE),
               ProcessingLogEntry.safety_disclosure_id.is_(None))
        .order_by(ProcessingLogEntry.seq)).scalars())
    wanted = ({e.actor_organization_id for e in entries}
              | {e.recipient_organization_id for e in entries})
    wanted.discard(None)
    organisations = dict(db.session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    ).all()) if wanted else {}
    return access_log(entries, organisations)


def log_own_view(user: User, categories: tuple[DataCategory, ...] = (DataCategory.IDENTITY,),
                 subject: Any = None, now: datetime | None = None) -> None:
    """Each page the resident opens is one entry of the processing log: their own access."""
    disclose(actor=user, action=Action.SELF_ACCESS, resident_id=user.resident_id,
             recipient_organization_id=None, purpose=ACCESS_REQUEST_PURPOSE,
             categories=[c.value for c in categories], now=now, subject=subject)


def own_page(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything the page shows, read as the resident, logged as their own access."""
    now = now or utcnow()
    resident = db.session.get(Resident, user.resident_id)
    assert resident is not None
    log_own_view(user, SHOWN_CATEGORIES, now=now)
    return {
        "resident": resident,
        "consents": _consents(resident.id, now),
        "handovers": _handovers(resident.id),
        "help_question": _help_question(resident.id),
        "who_saw": _who_saw(resident.id),
        "explained": CATEGORY_EXPLAINED,
        "kept_categories": [c.value for c in DataCategory if c not in NOT_SHOWN],
        "not_shown": [c.value for c in NOT_SHOWN],
    }
