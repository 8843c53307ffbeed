"""What the coach does next on a case, from the workflow's state and the case's data: the
page never asks for a step that is already done (a help question already written is marked
ready, not written again)."""

from __future__ import annotations

from app.cases.models import Case
from workflows.case import QUESTION_READY_PATH
from workflows.handover import HANDOVER

# Handovers prepared but not offered yet (where `offer` fires from): what a formulated
# question waits on.
_NOT_OFFERED = HANDOVER.get("offer").sources  # type: ignore[union-attr]


def next_step(case: Case, *, has_valid_consent: bool) -> str:
    """One of: explore, write_question, mark_ready, record_consent, prepare_handover,
    offer_draft, wait, stay_in_touch, paused, closed (the `next_step` labels)."""
    question = case.help_question
    written = question is not None and question.complete
    if case.state in QUESTION_READY_PATH:
        if written:
            return "mark_ready"
        return "explore" if case.state == "contacted" else "write_question"
    if case.state == "question_formulated":
        if any(handover.state in _NOT_OFFERED for handover in case.handovers):
            return "offer_draft"
        return "prepare_handover" if has_valid_consent else "record_consent"
    return {"referred": "wait", "supported": "stay_in_touch",
            "paused": "paused"}.get(case.state, "closed")
