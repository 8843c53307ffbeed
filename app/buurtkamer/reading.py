"""An activity as the caller may see it. Every organiser's name shown goes through the
consent gateway (one policy decision, one processing-log entry, allowed or denied); when the
consent no longer allows it, the organiser is "a resident". The API and the pages both
read activities through this one module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.auth.permissions import Permission
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.buurtkamer.operations import (
    NAMING_CATEGORIES,
    RESIDENT_CONNECTION,
    running_coach,
    running_organization_id,
)
from app.consent.gateway import disclose
from app.db import utcnow
from policies import Action


def shown() -> tuple[Any, ...]:
    """Loader options for everything `read_activity` shows, so a list of activities costs a
    fixed number of statements besides the disclosures of the organisers' names."""
    organisation = User.organization
    return (joinedload(Activity.building),
            joinedload(Activity.organising_coach).joinedload(organisation),
            joinedload(Activity.created_by).joinedload(organisation),
            selectinload(Activity.organisers).options(joinedload(ActivityOrganiser.resident),
                                                      joinedload(ActivityOrganiser.consent)),
            selectinload(Activity.funding))


def status_of(activity: Activity, now: datetime | None = None) -> str:
    if activity.cancelled_at is not None:
        return "cancelled"
    return "upcoming" if activity.starts_at > (now or utcnow()) else "past"


def show_organiser(viewer: Any, activity: Activity, organiser: ActivityOrganiser,
                   organization_id: int | None) -> dict[str, Any]:
    """One organiser: named only when the policy decision allows it right now."""
    decision = disclose(actor=viewer, action=Action.SHARE_CONTACT,
                        resident_id=organiser.resident_id,
                        recipient_organization_id=organization_id,
                        purpose=RESIDENT_CONNECTION, categories=NAMING_CATEGORIES,
                        subject=activity)
    named = decision.allowed and organiser.resident.anonymised_at is None
    view: dict[str, Any] = {
        "named": named,
        "name": organiser.resident.display_name if named else _("a resident"),
        # Only the coaches who manage it see whom the row concerns and under which consent.
        "resident_id": None, "consent_id": None, "consent_state": None, "consent_valid": None,
    }
    if viewer.can(Permission.ACTIVITIES_MANAGE):
        consent = organiser.consent
        view.update(resident_id=organiser.resident_id, consent_id=organiser.consent_id,
                    consent_state=consent.state if consent else None,
                    consent_valid=bool(consent and consent.is_valid_at(utcnow())))
    return view


def show_organisers(viewer: Any, activity: Activity) -> list[dict[str, Any]]:
    organization_id = running_organization_id(activity)
    shown = [show_organiser(viewer, activity, organiser, organization_id)
             for organiser in sorted(activity.organisers, key=lambda o: str(o.resident_id))]
    return sorted(shown, key=lambda view: (not view["named"], view["name"].casefold()))


def read_activity(viewer: Any, activity: Activity, now: datetime | None = None
                  ) -> dict[str, Any]:
    """The activity with its organisers as `viewer` may see them. The caller commits (the
    processing-log entries of the names shown)."""
    coach = activity.organising_coach if activity.organising_coach_id else None
    runner = running_coach(activity)
    organization = runner.organization if runner is not None else None
    return {
        "id": activity.id,
        "building_id": activity.building_id,
        "building": activity.building.name,
        "title": activity.title,
        "theme": activity.theme,
        "starts_at": activity.starts_at,
        "place": activity.place,
        "status": status_of(activity, now),
        "organising_coach_id": activity.organising_coach_id,
        "organising_coach": coach.name if coach else None,
        "organization": organization.name if organization else None,
        "participant_count": activity.participant_count,
        "created_by_id": activity.created_by_id,
        "created_at": activity.created_at,
        "cancelled_at": activity.cancelled_at,
        "organisers": show_organisers(viewer, activity),
        "funding_stream_ids": [tag.stream_id for tag in activity.funding],
    }

