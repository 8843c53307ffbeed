"""Errors raised by the policy layer.

Messages name policy terms only (purposes, categories), never personal data, so they
may be shown to users and written to application logs.
"""

from __future__ import annotations

from collections.abc import Iterable


class PolicyError(ValueError):
    """Input that the privacy policy does not know or does not allow."""


class UnknownCategory(PolicyError):
    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(sorted(str(value) for value in values))
        super().__init__(f"unknown data categories: {', '.join(self.values)}")


class UnknownPurpose(PolicyError):
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        super().__init__(f"unknown purpose: {purpose!r} is not in the processing register")


class BsnNotAllowed(PolicyError):
    def __init__(self) -> None:
        # The number itself is never echoed: it is exactly what must not be stored or logged.
        super().__init__(
            "the text contains a number that looks like a citizen service number (BSN); "
            "BSNs must never be recorded in Buurtpad — remove it and try again"
        )
