"""Due dates and settings of the timers at their edges, and the parts of a table that must stay
as they were defined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflows.definition import Transition, Workflow
from workflows.timers import consent_expiry_notice_due, offer_reminder_due, parse_cadence

FRIDAY = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
COACH = frozenset({"flatcoach"})


def test_an_offer_is_recalled_after_three_working_days():
    assert offer_reminder_due(FRIDAY) == datetime(2026, 3, 11, 9, 30, tzinfo=UTC)


def test_a_resident_hears_thirty_days_before_a_consent_ends():
    assert consent_expiry_notice_due(FRIDAY) == datetime(2026, 2, 4, 9, 30, tzinfo=UTC)


def test_a_cadence_runs_from_day_one_to_ten_years():
    assert parse_cadence("3660,1") == (1, 3660)
    for text in ("0,42", "3661"):
        with pytest.raises(ValueError, match=r"distinct days from 1 to 3660$"):
            parse_cadence(text)
    with pytest.raises(ValueError, match=r"^check-in cadence '6 weeks': write whole days, "
                                         r"e\.g\. '42,91,182,365'$"):
        parse_cadence("6 weeks")


def test_conditional_arguments_and_state_mappings_cannot_be_changed_after_definition():
    when = {"reason": ("decline_reason", ["other"])}
    transition = Transition("decline", ("a",), "b", COACH, required=("decline_reason",),
                            allowed_values={"decline_reason": ("other", "full")},
                            required_when=when)
    when["reason"] = ("decline_reason", ["full"])
    assert transition.required_when == {"reason": ("decline_reason", ("other",))}
    with pytest.raises(TypeError):
        transition.required_when["reason"] = ("decline_reason", ("full",))  # type: ignore[index]
    codes = {"a": "requested", "b": "rejected"}
    workflow = Workflow("toy", ("a", "b"), "a", ("b",), (transition,),
                        state_mappings={"fhir_task_status": codes})
    codes["a"] = "draft"
    assert workflow.state_mappings == {"fhir_task_status": {"a": "requested", "b": "rejected"}}
    with pytest.raises(TypeError):
        workflow.state_mappings["fhir_task_status"]["a"] = "draft"  # type: ignore[index]


def test_a_conditional_argument_needs_values_its_argument_allows():
    with pytest.raises(ValueError, match=r"depends on values \['maybe'\] that 'decline_reason' "
                                         r"does not allow$"):
        Transition("decline", ("a",), "b", COACH, required=("decline_reason",),
                   allowed_values={"decline_reason": ("other",)},
                   required_when={"reason": ("decline_reason", ("maybe",))})
