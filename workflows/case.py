"""The case (traject): one resident's path from first contact to support."""

from workflows.definition import FLATCOACH, SYSTEM, Guard, Timer, Transition, Workflow

CASE_STATES: tuple[str, ...] = (
    "contacted",
    "exploring",
    "question_formulated",
    "referred",
    "supported",
    "paused",
    "closed",
)
CASE_FINAL_STATES: tuple[str, ...] = ("closed",)
CASE_OPEN_STATES: tuple[str, ...] = tuple(s for s in CASE_STATES if s not in CASE_FINAL_STATES)
CASE_PAUSABLE_STATES: tuple[str, ...] = tuple(s for s in CASE_OPEN_STATES if s != "paused")

CLOSE_OUTCOMES: tuple[str, ...] = (
    "help_started",
    "no_help_needed",
    "connected",
    "declined",
    "moved",
    "unreachable",
)
ERASED_OUTCOME = "erased"
"""The outcome of a case closed by the system because the resident's data was erased or
anonymised; no coach can choose it."""

CHECKIN_OUTCOMES: tuple[str, ...] = (
    "going_well",
    "new_question",
    "not_reached",
    "no_more_contact",
)
"""What came of looking in on a resident after help started (a check-in)."""
NEW_QUESTION = "new_question"
"""A check-in with this outcome takes the case back to exploring (trigger `new_question`)."""
NO_MORE_CONTACT = "no_more_contact"
"""The resident wants no more check-ins: the cadence of the case ends for good."""
CHECKIN_CASE_STATE = "supported"
"""Check-ins are recorded, and come due, while help runs."""

QUESTION_READY_PATH: dict[str, tuple[str, ...]] = {
    "contacted": ("start_exploring", "formulate_question"),
    "exploring": ("formulate_question",),
}
"""From where a coach who saves the help question may mark it ready at once, and the coach's
own triggers that then take the case to `question_formulated`, in order."""

# A warm handover is prepared for a case whose help question is formulated, or that is
# referred or supported already (a second handover, another organisation).
HANDOVER_CASE_STATES: tuple[str, ...] = ("question_formulated", "referred", "supported")

_COACH = frozenset({FLATCOACH})
_SYSTEM = frozenset({SYSTEM})

CASE = Workflow(
    name="case",
    description=(
        "One resident's path from the first conversation at the door to support. The flatcoach "
        "helps put the help question into words; handovers move the case on by themselves."
    ),
    states=CASE_STATES,
    initial="contacted",
    final_states=CASE_FINAL_STATES,
    remembered_state_attribute="paused_from",
    transitions=(
        Transition("start_exploring", ("contacted",), "exploring", _COACH,
                   description="The coach starts exploring how the resident lives and what they need."),
        Transition("formulate_question", ("exploring",), "question_formulated", _COACH,
                   guards=("help_question_complete",),
                   description="The help question is written down together with the resident."),
        Transition("revise_question", ("question_formulated",), "exploring", _COACH,
                   description="The help question needs another look."),
        Transition("refer", ("question_formulated",), "referred", _SYSTEM,
                   description="Fired when the case's first handover is offered."),
        Transition("start_support", ("referred",), "supported", _SYSTEM,
                   description="Fired when a handover completes: help has started."),
        Transition("referral_failed", ("referred",), "question_formulated", _SYSTEM,
                   description="Fired when no handover of the case is still active."),
        Transition("new_question", ("supported",), "exploring", _COACH,
                   description=(
                       "Staying in touch, the coach hears of a new need: the case goes back "
                       "to exploring, starting from the help question it had."
                   )),
        Transition("pause", CASE_PAUSABLE_STATES, "paused", _COACH, required=("reason",),
                   description="Put the case on hold; handovers and their timers keep running."),
        Transition("resume", ("paused",), None, _COACH,
                   description="Continue the case in the state it was paused from."),
        Transition("close", CASE_OPEN_STATES, "closed", _COACH,
                   guards=("no_active_handover",), required=("outcome",),
                   allowed_values={"outcome": CLOSE_OUTCOMES},
                   description="Close the case with its outcome."),
        Transition("close_erased", CASE_OPEN_STATES, "closed", _SYSTEM,
                   guards=("no_active_handover",), required=("outcome",),
                   allowed_values={"outcome": (ERASED_OUTCOME,)},
                   description=(
                       "Fired when the resident's data is erased or anonymised: the path ends "
                       "with the outcome `erased`."
                   )),
        Transition("reopen", ("closed",), "exploring", _COACH,
                   guards=("no_other_open_case",),
                   description=(
                       "Pick a closed case up again; never after anonymisation, when nobody "
                       "fires anything on the resident's records any more."
                   )),
    ),
    timers=(
        Timer("check_in_due", "supported",
              "Help has started: the coach looks in on the resident after 6 weeks, 3, 6 and "
              "12 months (CHECKIN_CADENCE_DAYS) and hears of each check-in when it is due, "
              "until the resident wants no more contact or the case leaves supported."),
    ),
    guards=(
        Guard("help_question_complete",
              "A help question exists, written with the resident: text and at least one theme."),
        Guard("no_active_handover",
              "No handover of the case is still active; withdraw or finish them first."),
        Guard("no_other_open_case",
              "The resident has no other open case: one resident, one path at a time."),
    ),
)
