"""Due dates: working days skip weekends and keep the clock time and timezone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.timers import (
    CHECKIN_CADENCE_DAYS,
    CHECKIN_WINDOW,
    INTRO_REMINDER_DELAY,
    OFFER_RESPONSE_WORKING_DAYS,
    add_working_days,
    checkin_due_dates,
    checkin_on_time,
    consent_expiry_due,
    intro_reminder_due,
    offer_response_due,
    parse_cadence,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(day: date, hour: int = 9, tz=UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


# 2025-03-03 is a Monday.
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2025, 3, 3), 5, date(2025, 3, 10)),  # Monday: a full week on
        (date(2025, 3, 6), 1, date(2025, 3, 7)),  # Thursday to Friday
        (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday over the weekend
        (date(2025, 3, 7), 5, date(2025, 3, 14)),
        (date(2025, 3, 5), 5, date(2025, 3, 12)),  # Wednesday to Wednesday
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # Saturday: Monday is the first working day
        (date(2025, 3, 9), 5, date(2025, 3, 14)),  # Sunday: Monday to Friday
        (date(2025, 3, 3), 10, date(2025, 3, 17)),
        (date(2025, 3, 8), 0, date(2025, 3, 8)),
    ],
)
def test_add_working_days_skips_weekends(start, days, due):
    assert add_working_days(at(start), days) == at(due)


def test_add_working_days_keeps_the_timezone_and_local_time_across_daylight_saving():
    # Summer time starts on Sunday 30 March 2025 in the Netherlands.
    offered = datetime(2025, 3, 27, 14, 30, tzinfo=AMSTERDAM)
    due = add_working_days(offered, 5)
    assert due == datetime(2025, 4, 3, 14, 30, tzinfo=AMSTERDAM)
    assert due.tzinfo is AMSTERDAM
    assert (offered.utcoffset(), due.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))


def test_add_working_days_refuses_negative_days():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(at(date(2025, 3, 3)), -1)


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    days=st.integers(min_value=1, max_value=60),
)
def test_add_working_days_counts_exactly_the_weekdays_passed(start, days):
    due = add_working_days(start, days)
    passed = [start.date() + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert due.weekday() < 5
    assert sum(day.weekday() < 5 for day in passed) == days
    assert due.timetz() == start.timetz()


def test_offer_response_is_due_after_five_working_days():
    assert OFFER_RESPONSE_WORKING_DAYS == 5
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=AMSTERDAM)
    assert offer_response_due(friday) == datetime(2025, 3, 14, 16, 0, tzinfo=AMSTERDAM)


def test_intro_reminder_is_due_two_days_after_the_introduction():
    assert timedelta(days=2) == INTRO_REMINDER_DELAY
    intro = datetime(2025, 3, 7, 10, 0, tzinfo=AMSTERDAM)
    assert intro_reminder_due(intro) == datetime(2025, 3, 9, 10, 0, tzinfo=AMSTERDAM)


def test_consent_expires_when_valid_until_passes():
    valid_until = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    assert consent_expiry_due(valid_until) == valid_until


# --- check-ins --------------------------------------------------------------------------------

def test_check_ins_come_after_six_weeks_three_six_and_twelve_months():
    assert CHECKIN_CADENCE_DAYS == (42, 91, 182, 365)
    start = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    assert checkin_due_dates(start) == [
        datetime(2026, 2, 16, 14, 30, tzinfo=UTC), datetime(2026, 4, 6, 14, 30, tzinfo=UTC),
        datetime(2026, 7, 6, 14, 30, tzinfo=UTC), datetime(2027, 1, 5, 14, 30, tzinfo=UTC)]
    assert checkin_due_dates(start, (7,)) == [start + timedelta(days=7)]


@pytest.mark.parametrize(("text", "cadence"), [
    (None, (42, 91, 182, 365)), ("", (42, 91, 182, 365)), ("  ", (42, 91, 182, 365)),
    ("42,91,182,365", (42, 91, 182, 365)), ("30", (30,)), ("91, 42", (42, 91)),
])
def test_the_cadence_setting(text, cadence):
    assert parse_cadence(text) == cadence


@pytest.mark.parametrize(("text", "problem"), [
    ("six weeks", "write whole days"), ("42,,91", "write whole days"),
    ("0,42", "distinct days from 1 to 3660"), ("42,42", "distinct days from 1 to 3660"),
    ("3661", "distinct days from 1 to 3660"), ("-5", "distinct days from 1 to 3660"),
])
def test_a_cadence_that_is_no_list_of_days_is_refused(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_cadence(text)


def test_a_check_in_is_on_time_up_to_fourteen_days_after_its_date():
    due = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert timedelta(days=14) == CHECKIN_WINDOW
    assert checkin_on_time(due, due - timedelta(days=10))
    assert checkin_on_time(due, due + CHECKIN_WINDOW)
    assert not checkin_on_time(due, due + CHECKIN_WINDOW + timedelta(seconds=1))
