"""Connections between residents for the demo, made through the same operations as the app,
so every state is reached by real transitions and every consent and disclosure is logged:
one proposed, one agreed (both consents given), one where the residents have met and one
that does not go ahead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.buildings.models import CoachAssignment
from app.consent.operations import fire_consent
from app.db import db
from app.matches.operations import fire_match, propose_match, suggest_matches

NOTICE_VERSION = "2026-01"
# How far each demo connection travels, per coach (the first coach shows every state).
PATHS = (("proposed", "agreed", "met", "declined"), ("proposed", "agreed"))
DECLINE_REASON = "Mevrouw wil eerst zelf kennismaken in de Buurtkamer."


def fill_matches() -> dict[str, int]:
    counts = {"matches": 0}
    coach_ids = db.session.execute(
        select(CoachAssignment.user_id).distinct().order_by(CoachAssignment.user_id)
    ).scalars().all()
    for coach_id, paths in zip(coach_ids, PATHS, strict=False):
        coach = db.session.get(User, coach_id)
        for path in paths:
            if _connect(coach, path):
                counts["matches"] += 1
    return counts


def _connect(coach: Any, path: str) -> bool:
    # In a stable order (names, not random ids), so the demo is the same every time.
    suggestions = sorted(suggest_matches(coach, limit=200),
                         key=lambda s: (not s.same_building, s.offer, s.offering.display_name,
                                        s.seeking.display_name))
    if not suggestions:
        return False
    chosen = suggestions[0]
    match = propose_match(coach, chosen.offering, chosen.seeking, chosen.offer)
    if path == "proposed":
        return True
    if path == "declined":
        fire_match(match, "decline", coach, {"reason": DECLINE_REASON})
        return True
    for consent in (match.offering_consent, match.seeking_consent):
        fire_consent(consent, "give", coach, {"method": "verbal",
                                              "notice_version": NOTICE_VERSION})
    fire_match(match, "agree", coach, {})
    if path == "met":
        fire_match(match, "record_meeting", coach, {})
    return True
