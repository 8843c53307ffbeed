"""Residents connected on what they offer and wish for.

A coach sees suggestions computed from each resident's latest conversation at the door (what
one can offer against what another wishes for), proposes one, and asks both residents for
consent to share their name and phone number with the other (purpose `resident_connection`).
The match is agreed only when the consent gateway allows both directions; its contact card
is shown only while both consents stay valid, and a consent that stops being valid declines
every open match relying on it (`app.consent.operations.decline_relying_matches`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from app.audit.operations import record_event
from app.buildings.models import Dwelling
from app.buildings.scope import coach_building_ids
from app.consent.gateway import disclose
from app.consent.models import Consent
from app.consent.recording import request_consent
from app.db import db, utcnow
from app.errors import Refused
from app.lifecycle.firing import apply
from app.matches.models import Match
from app.residents.models import Resident
from app.visits.models import Visit, VisitOutcome
from app.visits.schemas import OFFER_KINDS
from policies import Action, Decision, default_valid_until
from workflows.match import MATCH

PURPOSE = "resident_connection"
CONTACT_CARD_CATEGORIES = ("identity", "contact")
"""What each resident shares with the other: their name and how to reach them."""
OPEN_STATES = MATCH.open_states


class MatchNotAllowed(Refused):
    """A connection that cannot be proposed."""


@dataclass(frozen=True)
class Suggestion:
    offering: Resident
    seeking: Resident
    offer: str
    same_building: bool


# --- suggestions ----------------------------------------------------------------------------

def _latest_talked_visits(coach: Any) -> Any:
    """Per resident of the coach's buildings who is not anonymised: what they offered and
    wished for in their latest conversation at the door, and the building they live in.

    "Latest" is "no later conversation" (visit time, then id): unlike a numbered window,
    the database can estimate how many rows that leaves, and pairs residents by hashing
    instead of comparing every pair."""
    later = aliased(Visit)
    talked_later = exists().where(
        later.resident_id == Visit.resident_id,
        later.outcome == VisitOutcome.TALKED,
        or_(later.visited_at > Visit.visited_at,
            and_(later.visited_at == Visit.visited_at, later.id > Visit.id)),
    )
    return (
        select(Visit.resident_id, Visit.offers, Visit.wishes, Dwelling.building_id)
        .join(Resident, Resident.id == Visit.resident_id)
        .join(Dwelling, Dwelling.id == Resident.dwelling_id)
        .where(Visit.outcome == VisitOutcome.TALKED,
               Resident.anonymised_at.is_(None),
               Dwelling.building_id.in_(coach_building_ids(coach)),
               ~talked_later)
        .cte("latest_talk")
    )


def _kinds(coach: Any) -> Any:
    """One row per resident, side (`offers` or `wishes`) and offer kind named in their latest
    conversation at the door — left out when the resident is already in an open match for
    that kind. Kept as one table the query reads twice (offers, wishes), so the database
    builds it once and pairs residents by kind; joined by resident first, it would unfold
    both JSON lists for every pair of residents."""
    latest = _latest_talked_visits(coach)
    sides = []
    for side in ("offers", "wishes"):
        values = latest.c[side]
        if db.session.get_bind().dialect.name == "postgresql":
            elements = func.json_array_elements_text(values).table_valued("value")
        else:
            elements = func.json_each(values).table_valued("value")
        sides.append(
            select(latest.c.resident_id, latest.c.building_id,
                   literal(side, String).label("side"), elements.c.value.label("kind"))
            .select_from(latest)
            .join(elements, true())
        )
    named = union_all(*sides).subquery("named")
    busy = exists().where(
        Match.offer == named.c.kind,
        Match.state.in_(OPEN_STATES),
        or_(Match.offering_resident_id == named.c.resident_id,
            Match.seeking_resident_id == named.c.resident_id),
    )
    return select(named).where(named.c.kind.in_(OFFER_KINDS), ~busy).cte("kinds")


def suggestions_query(coach: Any, building_id: int | None = None) -> Select[Any]:
    """Pairs where one resident offers what another wishes for, both in the coach's buildings;
    same building first. Left out: a resident already in an open match for that offer, and a
    pair that was matched for it before."""
    kinds = _kinds(coach)
    offered = kinds.alias("offered")
    wished = kinds.alias("wished")
    same_building = offered.c.building_id == wished.c.building_id
    matched_before = exists().where(
        Match.offer == offered.c.kind,
        Match.offering_resident_id == offered.c.resident_id,
        Match.seeking_resident_id == wished.c.resident_id,
    )
    query = (
        select(
            offered.c.resident_id.label("offering_resident_id"),
            wished.c.resident_id.label("seeking_resident_id"),
            offered.c.kind.label("offer"),
            case((same_building, 0), else_=1).label("distance"),
        )
        .select_from(offered)
        .join(wished, and_(wished.c.kind == offered.c.kind, wished.c.side == "wishes",
                           wished.c.resident_id != offered.c.resident_id))
        .where(offered.c.side == "offers", ~matched_before)
    )
    if building_id is not None:
        query = query.where(or_(offered.c.building_id == building_id,
                                wished.c.building_id == building_id))
    return query.order_by("distance", "offer", "seeking_resident_id", "offering_resident_id")


def count_suggestions(coach: Any, building_id: int | None = None) -> int:
    query = suggestions_query(coach, building_id).order_by(None).subquery()
    return db.session.execute(select(func.count()).select_from(query)).scalar_one()


def suggest_matches(coach: Any, building_id: int | None = None, *, offset: int = 0,
                    limit: int | None = None) -> list[Suggestion]:
    """The suggestions for the coach (optionally those touching one building), best first."""
    query = suggestions_query(coach, building_id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    ids = {row.offering_resident_id for row in rows} | {row.seeking_resident_id for row in rows}
    residents = {
        resident.id: resident
        for resident in db.session.execute(
            select(Resident).options(joinedload(Resident.dwelling).joinedload(Dwelling.building))
            .where(Resident.id.in_(ids))
        ).scalars()
    } if ids else {}
    return [Suggestion(offering=residents[row.offering_resident_id],
                       seeking=residents[row.seeking_resident_id],
                       offer=row.offer, same_building=row.distance == 0)
            for row in rows]


def with_residents(query: Select[Any]) -> Select[Any]:
    """A list of matches loads both residents (and where they live) with the matches: no
    statement per match shown."""
    return query.options(
        joinedload(Match.offering_resident).joinedload(Resident.dwelling)
        .joinedload(Dwelling.building),
        joinedload(Match.seeking_resident).joinedload(Resident.dwelling)
        .joinedload(Dwelling.building),
    )


# --- proposing and the workflow -------------------------------------------------------------

def _lock_residents(*residents: Resident) -> None:
    """Two coaches proposing the same connection at once are serialised on the residents'
    rows (SQLite's BEGIN IMMEDIATE does the same), in id order so they cannot deadlock."""
    ids = sorted(resident.id for resident in residents)
    db.session.execute(select(Resident.id).where(Resident.id.in_(ids))
                       .order_by(Resident.id).with_for_update())


def open_match_between(offering: Resident, seeking: Resident, offer: str) -> Match | None:
    return db.session.execute(
        select(Match).where(Match.offering_resident_id == offering.id,
                            Match.seeking_resident_id == seeking.id,
                            Match.offer == offer, Match.state.in_(OPEN_STATES)).limit(1)
    ).scalar_one_or_none()


def propose_match(coach: Any, offering: Resident, seeking: Resident, offer: str,
                  now: datetime | None = None) -> Match:
    """Propose a connection and ask both residents' consent (state `requested`): each for
    sharing their name and phone number with the other, for about a year."""
    now = now or utcnow()
    if offering.id == seeking.id:
        raise MatchNotAllowed(message=_("A resident cannot be matched with themselves."),
                              field="seeking_resident_id")
    if offer not in OFFER_KINDS:
        raise MatchNotAllowed(message=_("Choose one of the offers."), field="offer")
    if offering.anonymised_at is not None or seeking.anonymised_at is not None:
        raise MatchNotAllowed(message=_("This resident has been anonymised."), field="_schema")
    _lock_residents(offering, seeking)
    if open_match_between(offering, seeking, offer) is not None:
        raise MatchNotAllowed(
            message=_("These residents already have an open connection for this."),
            field="_schema")
    valid_until = default_valid_until(now)
    consents = [
        request_consent(coach, resident.id, {
            "purpose": PURPOSE,
            "recipient_resident_id": other.id,
            "data_categories": list(CONTACT_CARD_CATEGORIES),
            "valid_until": valid_until,
        })
        for resident, other in ((offering, seeking), (seeking, offering))
    ]
    match = Match(offering_resident_id=offering.id, seeking_resident_id=seeking.id, offer=offer,
                  offering_consent_id=consents[0].id, seeking_consent_id=consents[1].id,
                  proposed_by_id=coach.id, created_at=now)
    db.session.add(match)
    db.session.flush()
    record_event("match_proposed", actor=coach, object_type="match", object_id=match.id,
                 details={"offer": offer,
                          "offering_resident_id": str(offering.id),
                          "seeking_resident_id": str(seeking.id),
                          "offering_consent_id": str(consents[0].id),
                          "seeking_consent_id": str(consents[1].id)})
    return match


def _share_contact(actor: Any, match: Match, resident_id: uuid.UUID,
                   recipient_id: uuid.UUID) -> Decision:
    """One direction of the exchange, decided and logged by the consent gateway."""
    return disclose(actor=actor, action=Action.SHARE_CONTACT, resident_id=resident_id,
                    recipient_organization_id=None, recipient_resident_id=recipient_id,
                    purpose=PURPOSE, categories=CONTACT_CARD_CATEGORIES, subject=match)


def _both_directions(actor: Any, match: Match) -> tuple[Decision, Decision]:
    return (_share_contact(actor, match, match.offering_resident_id, match.seeking_resident_id),
            _share_contact(actor, match, match.seeking_resident_id, match.offering_resident_id))


def _not_consented(who: str, consent: Consent | None) -> str:
    state = consent.state if consent is not None else ""
    how = {
        "requested": _("asked, not given yet"),
        "refused": _("refused"),
        "withdrawn": _("withdrawn"),
        "revoked": _("revoked"),
    }.get(state, _("no longer valid"))
    return _("%(who)s has not consented (%(how)s)", who=who, how=how)


def _lock_consents(*consent_ids: uuid.UUID) -> dict[uuid.UUID, Consent]:
    """Lock the consents an agreement relies on and read them afresh. A withdrawal that
    committed meanwhile is seen here; one that comes later waits for this transaction and
    then finds the match linked to its consent, so its cascade declines the match."""
    rows = db.session.execute(
        select(Consent).where(Consent.id.in_(consent_ids)).order_by(Consent.id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalars()
    return {consent.id: consent for consent in rows}


def _guards(match: Match, actor: Any | None) -> dict[str, Any]:
    def both_residents_consented(subject: Match, _args: Mapping[str, Any]) -> str | None:
        offering, seeking = _both_directions(actor, subject)
        missing = []
        if not offering.allowed:
            missing.append(_not_consented(_("the resident who offers"),
                                          db.session.get(Consent, subject.offering_consent_id)))
        if not seeking.allowed:
            missing.append(_not_consented(_("the resident who is looking for it"),
                                          db.session.get(Consent, subject.seeking_consent_id)))
        if missing:
            return _("Both residents must consent before they are put in touch. "
                     "Missing: %(missing)s.", missing="; ".join(missing))
        # Remember the consents relied on: when one stops being valid, the match ends.
        # Through the relationships: a match loaded with its consents shows the new ones.
        if offering.consent_id and seeking.consent_id:
            relied_on = _lock_consents(uuid.UUID(offering.consent_id),
                                       uuid.UUID(seeking.consent_id))
            if any(consent.state != "given" for consent in relied_on.values()):
                return _("A consent changed in the meantime. Reload and try again.")
            subject.offering_consent = relied_on[uuid.UUID(offering.consent_id)]
            subject.seeking_consent = relied_on[uuid.UUID(seeking.consent_id)]
        return None

    return {"both_residents_consented": both_residents_consented}


def _record_effects(match: Match, trigger: str, now: datetime) -> None:
    if trigger == "agree":
        match.agreed_at = now
    elif trigger == "record_meeting":
        match.met_at = now
    elif trigger == "decline":
        match.ended_at = now


def fire_match(match: Match, trigger: str, actor: Any | None, arguments: Mapping[str, Any],
               now: datetime | None = None) -> None:
    now = now or utcnow()
    apply(match, trigger, actor=actor, arguments=arguments, guards=_guards(match, actor),
          effects=lambda: _record_effects(match, trigger, now))


def decline_open_matches_of(resident: Resident, reason: str) -> int:
    """The system declines every open match of the resident (e.g. before erasure)."""
    matches = db.session.execute(
        select(Match).where(or_(Match.offering_resident_id == resident.id,
                                Match.seeking_resident_id == resident.id),
                            Match.state.in_(OPEN_STATES))
        .order_by(Match.created_at, Match.id)
    ).scalars().all()
    for match in matches:
        fire_match(match, "decline", None, {"reason": reason})
    return len(matches)


# --- the contact card -----------------------------------------------------------------------

def contact_card(viewer: Any, match: Match) -> dict[str, Any] | None:
    """Each resident's name and phone number for the other — only while the match is agreed
    or met and the consent gateway allows both directions now (each showing is logged)."""
    if not match.contact_shared:
        return None
    offering, seeking = match.offering_resident, match.seeking_resident
    if offering.anonymised_at is not None or seeking.anonymised_at is not None:
        return None
    decisions = _both_directions(viewer, match)
    if not all(decision.allowed for decision in decisions):
        return None
    return {
        "offering_resident": {"display_name": offering.display_name, "phone": offering.phone},
        "seeking_resident": {"display_name": seeking.display_name, "phone": seeking.phone},
    }
