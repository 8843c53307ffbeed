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
