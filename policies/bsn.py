"""The citizen service number (BSN) is never stored in Buurtpad.

Free text is checked before it is saved: a number that passes the BSN eleven-test is
refused with `BsnNotAllowed`, whose message never repeats the number.

What counts as a candidate in free text:
- a run of digits, possibly split into groups by single dots, spaces or dashes
  (`123456782`, `1234.56.782`, `123 456 782`), with 9 digits in total;
- 8 digits written together (a BSN with its leading zero dropped); 8 digits in groups are
  far more often dates (`12-05-1960`) or parts of phone numbers, so they are not candidates;
- a 9-digit group inside a longer run of groups (`in 2019 123456782`), unless the run is an
  international phone number (`+31 612345678`, `0031 612345678`).
A run of 10 or more digits written together (a phone number like 0612345678, an IBAN's
account part) is never a candidate, nor is any part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policies.errors import BsnNotAllowed

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_DIGITS = re.compile(r"[0-9]{8,9}")
# Digit groups joined by one separator each; a lone separator at a sentence end is not taken.
_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ .\-\u00a0][0-9]+)*")
_GROUP_SEPARATOR = re.compile(r"[ .\-\u00a0]")


def is_bsn(digits: str) -> bool:
    """True when `digits` (9 digits, or 8 with the leading zero dropped) pass the eleven-test."""
    if not _DIGITS.fullmatch(digits):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits.zfill(9), _WEIGHTS,
                                                              strict=True))
    return total != 0 and total % 11 == 0


def contains_bsn(text: str) -> bool:
    """True when `text` holds a number that looks like a BSN (see the module docstring)."""
    return any(is_bsn(candidate) for candidate in _candidates(text))


def reject_bsn(text: str) -> None:
    """Raise BsnNotAllowed when `text` holds a BSN; for every free-text field before saving."""
    if contains_bsn(text):
        raise BsnNotAllowed()


def _candidates(text: str) -> Iterator[str]:
    for run in _RUN.finditer(text):
        groups = _GROUP_SEPARATOR.split(run.group())
        digits = "".join(groups)
        if len(digits) == 9 or (len(groups) == 1 and len(digits) == 8):
            yield digits
        elif len(groups) > 1 and not _is_international_phone(text, run.start(), groups[0]):
            yield from (group for group in groups if len(group) == 9)


def _is_international_phone(text: str, start: int, first_group: str) -> bool:
    return text[start - 1:start] == "+" or first_group.startswith("00")
