"""Due dates of the workflow timers. The dates are stored; an idempotent periodic command
(`flask workflows tick`) acts on those that have passed — never a thread or a sleep."""

from datetime import datetime, timedelta

OFFER_RESPONSE_WORKING_DAYS = 5
"""An offered handover unanswered this long is escalated to the coordinators."""
OFFER_REMINDER_WORKING_DAYS = 3
"""An offered handover unanswered this long reminds the receiving organisation (before the
escalation)."""
CONSENT_EXPIRY_NOTICE = timedelta(days=30)
"""This long before a consent ends, the coach who recorded it is reminded."""
INTRO_REMINDER_DELAY = timedelta(days=2)
"""A scheduled introduction not recorded this long after its date triggers a reminder."""

_SATURDAY = 5


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days (Monday to Friday), keeping its time of day and timezone.

    Public holidays are not skipped. Starting on a weekend, the first working day counted is Monday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    # Adding timedelta(days=1) to an aware datetime keeps the local clock time, so a due date
    # stays at the same hour across a daylight-saving change, as people would expect.
    due = start
    remaining = days
    while remaining:
        due += timedelta(days=1)
        if due.weekday() < _SATURDAY:
            remaining -= 1
    return due


def offer_response_due(offered_at: datetime) -> datetime:
    return add_working_days(offered_at, OFFER_RESPONSE_WORKING_DAYS)


def offer_reminder_due(offered_at: datetime) -> datetime:
    return add_working_days(offered_at, OFFER_REMINDER_WORKING_DAYS)


def consent_expiry_notice_due(valid_until: datetime) -> datetime:
    return valid_until - CONSENT_EXPIRY_NOTICE


def intro_reminder_due(intro_at: datetime) -> datetime:
    return intro_at + INTRO_REMINDER_DELAY


def consent_expiry_due(valid_until: datetime) -> datetime:
    # Valid up to and including `valid_until`; it expires the moment that passes.
    return valid_until


CHECKIN_CADENCE_DAYS: tuple[int, ...] = (42, 91, 182, 365)
"""After help starts, the coach looks in on the resident this many days later: after 6 weeks,
3, 6 and 12 months. The setting CHECKIN_CADENCE_DAYS ("42,91,182,365") changes it."""
CHECKIN_WINDOW = timedelta(days=14)
"""A check-in recorded up to this long before a due date counts for it; one recorded no
later than this after its due date was done on time."""


def parse_cadence(text: str | None) -> tuple[int, ...]:
    """Days after the start of help, as the setting writes them: "42,91,182,365".

    Empty or None gives the default; anything else must be distinct whole days from 1 to
    3660 (ten years), which are returned in ascending order."""
    if text is None or not text.strip():
        return CHECKIN_CADENCE_DAYS
    try:
        days = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"check-in cadence {text!r}: write whole days, e.g. "
                         "'42,91,182,365'") from None
    if any(not 1 <= day <= 3660 for day in days) or len(set(days)) != len(days):
        raise ValueError(f"check-in cadence {text!r}: distinct days from 1 to 3660")
    return tuple(sorted(days))


def checkin_due_dates(help_started_at: datetime,
                      cadence_days: tuple[int, ...] = CHECKIN_CADENCE_DAYS) -> list[datetime]:
    return [help_started_at + timedelta(days=days) for days in cadence_days]


def checkin_on_time(due_at: datetime, recorded_at: datetime) -> bool:
    return recorded_at <= due_at + CHECKIN_WINDOW
