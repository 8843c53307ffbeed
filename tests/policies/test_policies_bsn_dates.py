"""Dates in free text are not BSNs, even when their eight digits pass the eleven-test."""

from policies import contains_bsn


def test_a_date_in_groups_is_not_a_bsn_but_the_same_digits_together_are():
    assert not contains_bsn("geboren 06-01-1950")
    assert not contains_bsn("geboren 06.01.1950")
    assert contains_bsn("nummer 06011950")  # a BSN with its leading zero dropped
