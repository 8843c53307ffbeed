"""The warm handover (warme overdracht): a referral that completes only through a joint introduction."""

from datetime import datetime

from workflows.definition import FLATCOACH, PROFESSIONAL, SYSTEM, Guard, Timer, Transition, Workflow
from workflows.fhir import HANDOVER_FHIR_TASK_STATUS

HANDOVER_STATES: tuple[str, ...] = (
    "draft",
    "awaiting_consent",
    "offered",
    "accepted",
    "intro_scheduled",
    "intro_held",
    "completed",
    "declined",
    "withdrawn",
)
HANDOVER_FINAL_STATES: tuple[str, ...] = ("completed", "declined", "withdrawn")
HANDOVER_ACTIVE_STATES: tuple[str, ...] = tuple(
    s for s in HANDOVER_STATES if s not in HANDOVER_FINAL_STATES
)

# A share without consent on grounds of safety is made before the handover is offered.
SAFETY_DISCLOSURE_STATES: tuple[str, ...] = ("draft", "awaiting_consent")

DECLINE_REASONS: tuple[str, ...] = (
    "no_capacity",
    "not_our_field",
    "resident_unreachable",
    "resident_declines",
    "already_supported",
    "other",
)
"""Why a receiving organisation declines: a closed list, so that the answers can be counted.
`other` asks for the explanation in `reason`."""
OTHER_DECLINE_REASON = "other"
REOFFER_SUGGESTED: tuple[str, ...] = ("not_our_field",)
"""Decline reasons after which the coach is invited to offer the handover elsewhere."""


def intro_recorded_early(intro_at: datetime | None, now: datetime) -> bool:
    """Recording the introduction before its planned time: the pages ask the recorder to
    confirm it took place (it may have been moved, or the wrong handover is open). The
    transition itself does not refuse it; the API's contract is unchanged."""
    return intro_at is not None and now < intro_at

_COACH = frozenset({FLATCOACH})
_PROFESSIONAL = frozenset({PROFESSIONAL})
_COACH_OR_PROFESSIONAL = frozenset({FLATCOACH, PROFESSIONAL})

HANDOVER = Workflow(
    name="handover",
    description=(
        "A warm handover of a resident to a professional of the buurtteam or another partner. "
        "It is done only when the joint introduction took place and help has started."
    ),
    states=HANDOVER_STATES,
    initial="draft",
    final_states=HANDOVER_FINAL_STATES,
    state_mappings={"fhir_task_status": HANDOVER_FHIR_TASK_STATUS},
    transitions=(
        Transition("request_consent", ("draft",), "awaiting_consent", _COACH,
                   guards=("consent_requested_linked",),
                   description="Wait for the resident's consent to share."),
        Transition("offer", ("draft", "awaiting_consent"), "offered", _COACH,
                   guards=("disclosure_allowed",),
                   description=(
                       "Offer the handover to the receiving organisation; starts the response "
                       "timer and refers the case."
                   )),
        Transition("accept", ("offered",), "accepted", _PROFESSIONAL,
                   guards=("actor_in_receiving_organisation",),
                   description="A professional of the receiving organisation takes it on."),
        Transition("decline", ("offered",), "declined", _PROFESSIONAL,
                   guards=("actor_in_receiving_organisation",), required=("decline_reason",),
                   allowed_values={"decline_reason": DECLINE_REASONS},
                   required_when={"reason": ("decline_reason", (OTHER_DECLINE_REASON,))},
                   description=(
                       "The receiving organisation cannot take it on, and says why: one of "
                       "the decline reasons, explained in `reason` when it is `other`."
                   )),
        Transition("schedule_intro", ("accepted",), "intro_scheduled", _COACH_OR_PROFESSIONAL,
                   guards=("actor_is_coach_or_accepting_professional",),
                   required=("intro_at", "place"),
                   description="Agree when and where the joint introduction takes place."),
        Transition("reschedule_intro", ("intro_scheduled",), "intro_scheduled",
                   _COACH_OR_PROFESSIONAL,
                   guards=("actor_is_coach_or_accepting_professional",),
                   required=("intro_at", "place"),
                   description="Move the joint introduction."),
        Transition("record_intro", ("intro_scheduled",), "intro_held", _COACH_OR_PROFESSIONAL,
                   guards=("actor_is_coach_or_accepting_professional",),
                   description="The joint meeting took place with the resident present."),
        Transition("complete", ("intro_held",), "completed", _PROFESSIONAL,
                   guards=("actor_is_accepting_professional",),
                   description="Help has started; the case moves to supported."),
        Transition("withdraw", HANDOVER_ACTIVE_STATES, "withdrawn", frozenset({FLATCOACH, SYSTEM}),
                   required=("reason",),
                   description=(
                       "The coach withdraws it, or the system does when the consent it relies "
                       "on stops being valid."
                   )),
    ),
    guards=(
        Guard("consent_requested_linked", "A consent in state requested is linked."),
        Guard("disclosure_allowed",
              "A valid consent covers the receiving organisation, the purpose and every chosen "
              "data category, or an approved safety disclosure exists."),
        Guard("actor_in_receiving_organisation",
              "The professional works for the receiving organisation."),
        Guard("actor_is_coach_or_accepting_professional",
              "The actor is the case's coach or the professional who accepted the handover."),
        Guard("actor_is_accepting_professional",
              "The actor is the professional who accepted the handover."),
    ),
    timers=(
        Timer("remind_unanswered_offer", "offered",
              "Offered and unanswered for 3 working days: the receiving organisation is "
              "reminded."),
        Timer("escalate_unanswered_offer", "offered",
              "Offered and unanswered for 5 working days: escalated to the coordinators."),
        Timer("remind_unrecorded_intro", "intro_scheduled",
              "The introduction date passed 2 days ago without record_intro: the coach and "
              "the accepting professional are reminded."),
    ),
)
