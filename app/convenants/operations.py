"""Keeping the convenant register: parties joining and leaving (logged), and the withdrawal
of the handovers a departed party no longer may receive. What the policy decision reads of
the register is in `app.convenants.reading`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.operations import record_event
from app.convenants.models import Convenant, ConvenantParty
from app.convenants.reading import convenant_facts, forget_convenant_facts
from app.db import db, utcnow
from app.errors import Refused
from app.handovers.models import Handover
from app.handovers.operations import fire_handover
from app.insight import counts as insight_counts
from policies import REGISTER, convenant_cover
from workflows.handover import HANDOVER_ACTIVE_STATES


def create_convenant(officer: Any, *, title: str, version: str, text: str, valid_from: date,
                     valid_until: date | None, activities: Mapping[str, Iterable[str]]
                     ) -> Convenant:
    unknown = sorted(set(activities) - set(REGISTER))
    if unknown:
        raise Refused(message=_("Unknown processing activity: %(ids)s.",
                                 ids=", ".join(unknown)), field="activities")
    for purpose, categories in activities.items():
        outside = sorted(set(categories) - set(REGISTER[purpose].categories))
        if outside:
            raise Refused(message=_(
                "Purpose %(purpose)s does not process: %(categories)s.", purpose=purpose,
                categories=", ".join(outside)), field="activities")
    if valid_until is not None and valid_until < valid_from:
        raise Refused(message=_("The end lies before the start."), field="valid_until")
    exists = db.session.execute(select(Convenant.id).where(
        Convenant.title == title, Convenant.version == version)).first()
    if exists:
        raise Refused(message=_("This version of the convenant exists already."), field="version")
    convenant = Convenant(title=title, version=version, text=text,
                          text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                          valid_from=valid_from, valid_until=valid_until,
                          activities={p: sorted(c) for p, c in activities.items()})
    db.session.add(convenant)
    db.session.flush()
    forget_convenant_facts()
    record_event("convenant_created", actor=officer, object_type="convenant",
                 object_id=convenant.id, details={"version": version,
                                                  "text_sha256": convenant.text_sha256})
    return convenant


def join(officer: Any, convenant: Convenant, *, organization_id: int, joined_on: date,
         role: str = "", contact: str = "", legal_bases: Mapping[str, str] | None = None
         ) -> ConvenantParty:
    if any(p.organization_id == organization_id for p in convenant.parties):
        raise Refused(message=_("This organisation is a party to this convenant already."),
                      field="organization_id")
    bases = dict(legal_bases or {})
    for purpose in convenant.activities:
        bases.setdefault(purpose, str(REGISTER[purpose].legal_basis))
    party = ConvenantParty(organization_id=organization_id, joined_on=joined_on, role=role,
                           contact=contact, legal_bases=bases)
    convenant.parties.append(party)  # the loaded collection stays what the database holds
    db.session.flush()
    forget_convenant_facts()
    record_event("convenant_party_joined", actor=officer, object_type="convenant",
                 object_id=convenant.id, details={"organization_id": organization_id,
                                                  "joined_on": joined_on.isoformat()})
    return party


def leave(officer: Any, party: ConvenantParty, left_on: date, now: datetime | None = None
          ) -> list[str]:
    """The party stops receiving from `left_on`. When that day has come, the handovers that
    relied on its membership are withdrawn now (the timers do it on the day otherwise)."""
    if party.left_on is not None:
        raise Refused(message=_("This organisation has left already."), field="left_on")
    if left_on < party.joined_on:
        raise Refused(message=_("An organisation cannot leave before it joined."), field="left_on")
    party.left_on = left_on
    forget_convenant_facts()
    record_event("convenant_party_left", actor=officer, object_type="convenant",
                 object_id=party.convenant_id, details={"organization_id": party.organization_id,
                                                        "left_on": left_on.isoformat()})
    now = now or utcnow()
    return end_shares_of(party, now) if left_on <= now.date() else []


def end_shares_of(party: ConvenantParty, now: datetime) -> list[str]:
    """Withdraw (as the system) every handover to the party's organisation that no
    convenant covers any more; returns their ids. Idempotent."""
    facts = convenant_facts()
    withdrawn = []
    # Withdrawing changes what the handovers add to neighbourhood insight: the locks that
    # counting takes come first, then the handovers (the order every command keeps).
    insight_counts.lock_residents()
    handovers = db.session.execute(
        select(Handover).where(Handover.organization_id == party.organization_id,
                               Handover.state.in_(HANDOVER_ACTIVE_STATES))
        .with_for_update(skip_locked=True)).scalars().all()
    for handover in handovers:
        cover = convenant_cover(facts, str(party.organization_id), handover.purpose,
                                handover.data_categories, now.date())
        if cover.covered:
            continue
        fire_handover(handover, "withdraw", None,
                      {"reason": "the organisation left the samenwerkingsconvenant"}, now=now)
        withdrawn.append(str(handover.id))
    party.left_processed_at = now
    return withdrawn


def end_departures(now: datetime) -> list[str]:
    """The timer: parties whose last day has passed stop receiving (handovers withdrawn)."""
    due = db.session.execute(
        select(ConvenantParty).where(ConvenantParty.left_on <= now.date(),
                                     ConvenantParty.left_processed_at.is_(None))
        .with_for_update(skip_locked=True)).scalars().all()
    withdrawn: list[str] = []
    for party in due:
        withdrawn.extend(end_shares_of(party, now))
    return withdrawn
