"""The warm handover's states as HL7 FHIR Task statuses: every state mapped, onto FHIR's own
codes, as the README's interoperability section says; published with the states."""

import pytest

from workflows import HANDOVER, WORKFLOWS, describe
from workflows.definition import Transition, Workflow
from workflows.fhir import FHIR_TASK_STATUSES, HANDOVER_FHIR_TASK_STATUS

# Transcribed from the README, not from the code.
README_MAPPING = {
    "draft": "draft",
    "awaiting_consent": "draft",
    "offered": "requested",
    "accepted": "accepted",
    "intro_scheduled": "in-progress",
    "intro_held": "in-progress",
    "completed": "completed",
    "declined": "rejected",
    "withdrawn": "cancelled",
}


def test_every_handover_state_has_a_fhir_task_status():
    assert dict(HANDOVER_FHIR_TASK_STATUS) == README_MAPPING
    assert set(HANDOVER_FHIR_TASK_STATUS.values()) <= set(FHIR_TASK_STATUSES)
    # The six statuses the issue names are all reached.
    assert {"requested", "accepted", "rejected", "in-progress", "completed", "cancelled"} <= set(
        HANDOVER_FHIR_TASK_STATUS.values())


def test_the_mapping_is_published_per_state():
    states = describe(HANDOVER)["states"]
    assert {s["name"]: s["fhir_task_status"] for s in states} == README_MAPPING


def test_other_workflows_publish_no_fhir_status():
    for name, workflow in WORKFLOWS.items():
        if name != "handover":
            assert all("fhir_task_status" not in s for s in describe(workflow)["states"])


def _toy(mapping):
    return Workflow(name="toy", states=("a", "b"), initial="a", final_states=("b",),
                    transitions=(Transition("go", ("a",), "b", frozenset({"flatcoach"})),),
                    state_mappings={"code": mapping})


def test_a_mapping_must_name_every_state_and_no_other():
    with pytest.raises(ValueError, match=r"code: unmapped states \['b'\]"):
        _toy({"a": "x"})
    with pytest.raises(ValueError, match=r"code: unknown states \['z'\]"):
        _toy({"a": "x", "b": "y", "z": "w"})
    assert describe(_toy({"a": "x", "b": "y"}))["states"][1]["code"] == "y"


def test_the_mapping_cannot_be_changed_at_run_time():
    with pytest.raises(TypeError):
        HANDOVER.state_mappings["fhir_task_status"]["draft"] = "ready"  # type: ignore[index]
    with pytest.raises(TypeError):
        HANDOVER.state_mappings["other"] = {}  # type: ignore[index]
