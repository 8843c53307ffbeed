"""No citizen service number (BSN) is ever stored."""

import pytest

from policies import BsnNotAllowed, contains_bsn, is_bsn, reject_bsn


@pytest.mark.parametrize("digits", ["111222333", "123456782", "12345672"])
def test_numbers_passing_the_eleven_test_are_bsns(digits):
    assert is_bsn(digits)


@pytest.mark.parametrize("digits", [
    "123456789",  # fails the eleven-test
    "000000000",  # weighted sum 0
    "1234567",  # too short
    "1234567820",  # too long
    "12345678a",
    "123 456 782",  # is_bsn takes bare digits; free text goes through contains_bsn
    "１２３４５６７８２",  # full-width digits are not what a BSN is written in
    "",
])
def test_other_strings_are_not_bsns(digits):
    assert not is_bsn(digits)


@pytest.mark.parametrize("text", [
    "123456782",
    "BSN: 123456782.",
    "bsn 1234.56.782 (paspoort)",
    "nummer 123 456 782",
    "nummer 123-456-782",
    "sofinummer 012345672",
    "sofinummer 12345672",
    "in 2019 123456782 gekregen",
    "A123456782",
])
def test_a_bsn_is_found_in_free_text(text):
    assert contains_bsn(text)


@pytest.mark.parametrize("text", [
    "bel 0612345678",
    "bel 06-12345678 of 06 12345678",
    "mobiel +31 123456782",  # the 9 digits pass the eleven-test, but this is a phone number
    "mobiel 0031 123456782",
    "1234567820",  # a longer run is not a BSN, nor is a part of it
    "geboren 12-05-1960",
    "IBAN NL91 ABNA 0417 1643 00",
    "123456789",
    "kamer 12. 123456 en 782",
    "geen nummers hier",
    "",
])
def test_other_numbers_in_free_text_are_not_mistaken_for_a_bsn(text):
    assert not contains_bsn(text)


def test_free_text_with_a_bsn_is_refused_without_repeating_the_number():
    with pytest.raises(BsnNotAllowed) as refused:
        reject_bsn("Haar BSN is 123456782")

    assert "123456782" not in str(refused.value)
    assert "BSN" in str(refused.value)


def test_free_text_without_a_bsn_passes():
    reject_bsn("Mevrouw woont sinds 2019 op nummer 123, tel. 0612345678.")
