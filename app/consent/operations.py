"""Consent changes only through its workflow, and when it stops being valid every handover
relying on it is withdrawn and every open match relying on it is declined, in the same
transaction. Asking for a consent is `app.consent.recording`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.consent.models import Consent
from app.db import db, utcnow
from app.handovers.models import Handover
from app.handovers.operations import fire_handover
from app.lifecycle.firing import apply
from app.matches.models import Match
from app.matches.operations import fire_match
from policies.consent import can_still_be_given
from workflows.handover import HANDOVER_ACTIVE_STATES
from workflows.match import MATCH

ENDING_TRIGGERS = {"withdraw", "expire", "revoke"}


def fire_consent(consent: Consent, trigger: str, actor: Any | None,
                 arguments: dict[str, Any], now: datetime | None = None) -> None:
    now = now or utcnow()

    def effects() -> None:
        if trigger == "give":
            consent.method = arguments["method"]
            consent.notice_version = arguments["notice_version"]
            consent.given_at = now
        elif trigger in ENDING_TRIGGERS or trigger == "refuse":
            consent.ended_at = now
            consent.end_reason = arguments.get("reason") or trigger

    apply(consent, trigger, actor=actor, arguments=arguments, effects=effects,
          guards={"before_its_end": lambda subject, _arguments: None
                  if can_still_be_given(subject.valid_until, now) else
                  _("This consent's validity has already ended; ask for a new one.")})
    if trigger in ENDING_TRIGGERS:
        withdraw_relying_handovers(consent, trigger)
    if trigger in ENDING_TRIGGERS or trigger == "refuse":
        # A refused consent can never be given: the connection cannot go ahead either.
        decline_relying_matches(consent, consent.state)


def withdraw_relying_handovers(consent: Consent, cause: str) -> None:
    """Access that relied on the consent ends at once: its non-final handovers are withdrawn."""
    handovers = db.session.execute(
        select(Handover).where(
            Handover.consent_id == consent.id,
            Handover.state.in_(HANDOVER_ACTIVE_STATES),
        )
    ).scalars()
    for handover in handovers:
        fire_handover(handover, "withdraw", None,
                      {"reason": f"consent {cause}"})


def decline_relying_matches(consent: Consent, cause: str) -> None:
    """Residents are put in touch only while both consent: every open match relying on the
    consent is declined by the system."""
    matches = db.session.execute(
        select(Match).where(
            (Match.offering_consent_id == consent.id) | (Match.seeking_consent_id == consent.id),
            Match.state.in_(MATCH.open_states),
        ).order_by(Match.created_at, Match.id)
    ).scalars()
    for match in matches:
        fire_match(match, "decline", None, {"reason": f"consent {cause}"})
