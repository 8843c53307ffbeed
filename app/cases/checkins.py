"""Staying in touch: the check-in cadence of a case. When help starts the coach's check-ins
are planned (due dates stored); `workflows tick` tells the coach when one is due; recording
one fulfils the planned check-in it answers. "No more contact" ends the cadence of the case
for good, and so does erasure; a case that leaves support ends what was still planned.

The use case of recording a check-in is `app.cases.operations.record_checkin`; this module
holds what it and the timers share, and imports nothing of the features above it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app, has_app_context
from sqlalchemy import and_, delete, select, update

from app.audit.operations import record_event
from app.cases.models import Case, CheckIn, no_more_contact
from app.db import db
from app.notifications.models import Notification, NotificationKind
from workflows.case import CHECKIN_CASE_STATE, NO_MORE_CONTACT
from workflows.timers import CHECKIN_CADENCE_DAYS, CHECKIN_WINDOW, checkin_due_dates


def cadence() -> tuple[int, ...]:
    """Days after the start of help (setting CHECKIN_CADENCE_DAYS)."""
    if not has_app_context():
        return CHECKIN_CADENCE_DAYS
    return tuple(current_app.config.get("CHECKIN_CADENCE_DAYS") or CHECKIN_CADENCE_DAYS)


def planned_condition() -> object:
    return and_(CheckIn.due_at.is_not(None), CheckIn.recorded_at.is_(None),
                CheckIn.ended_at.is_(None))


def contact_ended(case: Case) -> bool:
    """The resident told the coach they want no more check-ins on this case."""
    return db.session.execute(select(no_more_contact(case))).scalar_one()


def contact_ended_for_answer(case: Case) -> bool:
    """`contact_ended` for a case's answer: as loaded with the case when its query asked for
    it (no statement, and none after the request's commit), else asked now."""
    loaded = case.no_more_contact_when_loaded
    return contact_ended(case) if loaded is None else bool(loaded)


def contact_ended_at(case: Case) -> datetime | None:
    return db.session.execute(
        select(CheckIn.recorded_at).where(CheckIn.case_id == case.id,
                                          CheckIn.outcome == NO_MORE_CONTACT)
        .order_by(CheckIn.recorded_at).limit(1)).scalar_one_or_none()


def plan(case: Case, help_started_at: datetime) -> list[CheckIn]:
    """Help has started: plan the check-ins of the cadence from this moment, replacing any
    still planned from an earlier start. Nothing once the resident wants no more contact."""
    if contact_ended(case):
        return []
    end_planned(case, help_started_at)
    planned = [CheckIn(case_id=case.id, due_at=due)
               for due in checkin_due_dates(help_started_at, cadence())]
    db.session.add_all(planned)
    db.session.flush()
    record_event("checkins_planned", object_type="case", object_id=case.id,
                 details={"due": [c.due_at.isoformat() for c in planned if c.due_at]})
    return planned


def end_planned(case: Case, now: datetime) -> None:
    """Nothing more comes of the check-ins still planned, and nobody hears of them any more."""
    db.session.execute(
        update(CheckIn).where(CheckIn.case_id == case.id, planned_condition())
        .values(ended_at=now).execution_options(synchronize_session="fetch"))
    forget_due_notices([case.id])


def forget_due_notices(case_ids: Iterable[object]) -> None:
    """Unread notices of due check-ins of these cases are about nothing any more."""
    ids = list(case_ids)
    if ids:
        db.session.execute(
            delete(Notification).where(Notification.kind == NotificationKind.CHECKIN_DUE,
                                       Notification.case_id.in_(ids),
                                       Notification.read_at.is_(None))
            .execution_options(synchronize_session="fetch"))


def answered_by_one_now(case: Case, now: datetime) -> tuple[CheckIn | None, list[CheckIn]]:
    """Which planned check-in a check-in recorded `now` fulfils — the latest one due by now
    or within the window ahead — and the earlier ones it leaves behind (missed)."""
    reachable = [c for c in case.checkins
                 if c.planned and c.due_at is not None and c.due_at <= now + CHECKIN_WINDOW]
    if not reachable:
        return None, []
    reachable.sort(key=lambda c: c.due_at or now)
    return reachable[-1], reachable[:-1]


def due_query(now: datetime) -> object:
    """Planned check-ins whose date has come, of cases where help runs (a paused case waits
    until it is resumed), nobody has heard of yet."""
    return (select(CheckIn).join(Case, Case.id == CheckIn.case_id)
            .where(planned_condition(), CheckIn.due_at <= now, CheckIn.notified_at.is_(None),
                   Case.state == CHECKIN_CASE_STATE))


def in_order(checkins: Iterable[CheckIn]) -> list[CheckIn]:
    """Planned ones by due date, those outside the cadence by when they were recorded."""
    def moment(checkin: CheckIn) -> tuple[datetime, str]:
        return (checkin.due_at or checkin.recorded_at or checkin.ended_at  # type: ignore[return-value]
                or datetime.max.replace(tzinfo=UTC), str(checkin.id))

    return sorted(checkins, key=moment)
