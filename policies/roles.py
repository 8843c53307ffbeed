"""Who acts: the roles of the people who use Buurtpad, and the software itself.

One vocabulary for the policy decision, the workflows and the application: the workflow
tables name who may fire a transition in these words, the decision names who may read, and
the application gives every account one of them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FLATCOACH = "flatcoach"
    PROFESSIONAL = "professional"
    PRIVACY_OFFICER = "privacy_officer"
    COORDINATOR = "coordinator"
    # A resident on their own page: only their own records, never a staff page.
    RESIDENT = "resident"


SYSTEM = "system"
"""Fired by the software itself (timers, cascades), never by a person through the API."""
