"""Shorthands for the tests of connections between residents: neighbours with what they
offer and wish for, and matches brought to a state through the real operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.consent.operations import fire_consent
from app.db import db
from app.matches.operations import fire_match, propose_match
from app.visits.operations import record_visit
from tests import factories

GIVE = {"method": "verbal", "notice_version": "2026-01"}


def neighbours(world: Any) -> tuple[Any, Any]:
    """Two residents of the coach's building: Fatima (world.resident) and Henk."""
    henk = factories.create_resident(world.dwelling, display_name="Henk de Boer",
                                     phone="06-87654321")
    return world.resident, henk


def talked(coach: Any, resident: Any, *, offers: tuple[str, ...] = (),
           wishes: tuple[str, ...] = (), outcome: str = "talked",
           at: datetime | None = None) -> Any:
    """A conversation at the resident's door recording what they offer and wish for."""
    visit = record_visit(coach, resident.dwelling, {
        "outcome": outcome, "offers": list(offers), "wishes": list(wishes),
        "resident_id": resident.id})
    if at is not None:
        visit.visited_at = at
    db.session.flush()
    return visit


def give_both(match: Any, coach: Any) -> None:
    for consent in (match.offering_consent, match.seeking_consent):
        fire_consent(consent, "give", coach, GIVE)


def create_match(coach: Any, offering: Any, seeking: Any, offer: str = "cooking", *,
                 state: str = "proposed") -> Any:
    """A match proposed by `coach`, moved to `state` (proposed, agreed, met, declined)."""
    match = propose_match(coach, offering, seeking, offer)
    if state == "declined":
        fire_match(match, "decline", coach, {"reason": "Het past nu niet."})
    elif state in ("agreed", "met"):
        give_both(match, coach)
        fire_match(match, "agree", coach, {})
        if state == "met":
            fire_match(match, "record_meeting", coach, {})
    db.session.flush()
    return match


def share_contact_entries(match_id: Any) -> list[ProcessingLogEntry]:
    """The processing-log entries of contact details shared within the match, in order."""
    return list(db.session.execute(
        select(ProcessingLogEntry)
        .where(ProcessingLogEntry.object_type == "match",
               ProcessingLogEntry.object_id == str(match_id),
               ProcessingLogEntry.action == "share_contact")
        .order_by(ProcessingLogEntry.seq)
    ).scalars())
