"""What a notification says, composed when its reader opens the inbox: its kind, the
organisation concerned and a date — and, for the coach whose buildings the resident lives in,
the resident's name. Nothing a reader could not see on the object's own page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.permissions import Role
from app.consent.models import Consent
from app.db import db
from app.handovers.models import Handover
from app.notifications.models import Notification, NotificationKind
from app.residents.models import Resident
from app.residents.scope import residents_query
from app.web.labels import label

K = NotificationKind
SUBJECTS = {
    K.HANDOVER_OFFERED: _l("New handover for %(organisation)s"),
    K.HANDOVER_ACCEPTED: _l("%(organisation)s accepted the handover"),
    K.HANDOVER_DECLINED: _l("%(organisation)s declined the handover"),
    K.INTRO_SCHEDULED: _l("Introduction with %(organisation)s planned"),
    K.INTRO_RESCHEDULED: _l("Introduction with %(organisation)s moved"),
    K.INTRO_HELD: _l("Introduction with %(organisation)s held"),
    K.HELP_STARTED: _l("Help has started at %(organisation)s"),
    K.HANDOVER_WITHDRAWN: _l("A handover to %(organisation)s was withdrawn"),
    K.HANDOVER_ESCALATED: _l("No answer from %(organisation)s for 5 working days"),
    K.RESPONSE_REMINDER: _l("A handover to %(organisation)s awaits an answer"),
    K.INTRO_OVERDUE: _l("Record whether the introduction with %(organisation)s took place"),
    K.CONSENT_EXPIRING: _l("A consent ends on %(date)s"),
    K.CHECKIN_DUE: _l("Time to look in on a resident"),
    K.CONSENT_WITHDRAWN_BY_RESIDENT: _l("A resident withdrew a consent on their own page"),
    K.RESIDENT_MESSAGE: _l("A resident sent you a message"),
    K.RESIDENT_ACCESS_ACTIVATED: _l("A resident opened their own page"),
}
# A decline names its reason (a closed list, never the professional's own words).
DECLINED_BECAUSE = _l("%(organisation)s declined the handover: %(reason)s")


def describe(user: Any, notifications: Iterable[Notification]) -> list[dict[str, Any]]:
    """Each notification as its reader may see it: subject, who it concerns, link, time."""
    items = list(notifications)
    handovers = _by_id(Handover, {n.handover_id for n in items},
                       joinedload(Handover.organization))
    consents = _by_id(Consent, {n.consent_id for n in items})
    names = _names_in_scope(user, {n.resident_id for n in items})
    described = []
    for notification in items:
        handover = handovers.get(notification.handover_id)
        consent = consents.get(notification.consent_id)
        wording = SUBJECTS[notification.kind]
        reason = ""
        if (notification.kind is K.HANDOVER_DECLINED and handover is not None
                and handover.decline_reason):
            wording, reason = DECLINED_BECAUSE, label(handover.decline_reason, "decline_reason")
        subject = wording % {
            "organisation": handover.organization.name if handover is not None else "",
            "date": format_date(consent.valid_until, "d MMM y") if consent is not None else "",
            "reason": reason,
        }
        described.append({
            "id": notification.id,
            "kind": str(notification.kind),
            "subject": str(subject),
            "resident": names.get(notification.resident_id),
            "created_at": notification.created_at,
            "read": notification.read_at is not None,
            "url": target(user, notification),
        })
    return described


def target(user: Any, notification: Notification) -> str:
    """The page of the notification's object (its own scope rules apply there)."""
    if notification.kind is K.HANDOVER_ESCALATED and user.role == Role.COORDINATOR:
        return url_for("admin_pages.escalations")
    if notification.kind in (K.RESIDENT_MESSAGE, K.RESIDENT_ACCESS_ACTIVATED):
        return url_for("portal.resident_access", resident_id=notification.resident_id)
    if notification.handover_id is not None:
        return url_for("handovers_pages.handover", handover_id=notification.handover_id)
    if notification.consent_id is not None:
        return url_for("consent_pages.consent", consent_id=notification.consent_id)
    if notification.resident_id is not None:
        return url_for("residents_pages.resident", resident_id=notification.resident_id)
    return url_for("notifications_pages.inbox")


def _by_id(model: Any, ids: set[Any], *options: Any) -> dict[Any, Any]:
    ids.discard(None)
    if not ids:
        return {}
    rows = db.session.execute(select(model).where(model.id.in_(ids)).options(*options)).scalars()
    return {row.id: row for row in rows}


def _names_in_scope(user: Any, resident_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Names only for a coach, and only of residents of the coach's own buildings."""
    resident_ids.discard(None)
    if user.role != Role.FLATCOACH or not resident_ids:
        return {}
    rows = db.session.execute(
        residents_query(user).where(Resident.id.in_(resident_ids), Resident.anonymised_at.is_(None))
        .with_only_columns(Resident.id, Resident.display_name)).all()
    return dict(rows)
