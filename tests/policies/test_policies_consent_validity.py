"""The one rule of consent validity, and when a consent can still be given."""

from datetime import UTC, datetime, timedelta

import pytest

from policies.consent import can_still_be_given, is_valid

END = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
JUST = timedelta(microseconds=1)


@pytest.mark.parametrize("state", ["requested", "refused", "withdrawn", "expired", "revoked"])
def test_only_a_given_consent_is_valid(state):
    assert not is_valid(state, END, END - timedelta(days=1))
    assert is_valid("given", END, END - timedelta(days=1))


def test_a_consent_is_valid_strictly_before_its_end():
    assert is_valid("given", END, END - JUST)
    assert not is_valid("given", END, END)
    assert not is_valid("given", END, END + JUST)


def test_a_consent_can_be_given_only_before_its_end():
    assert can_still_be_given(END, END - JUST)
    assert not can_still_be_given(END, END)
    assert not can_still_be_given(END, END + JUST)
