"""A match: a connection between two residents, one offering what the other needs."""

from workflows.definition import FLATCOACH, SYSTEM, Guard, Transition, Workflow

MATCH_STATES: tuple[str, ...] = ("proposed", "agreed", "met", "declined")
MATCH_FINAL_STATES: tuple[str, ...] = ("met", "declined")

# The residents' contact details reach each other once the connection is agreed.
CONTACT_CARD_STATES: tuple[str, ...] = ("agreed", "met")

_COACH = frozenset({FLATCOACH})

MATCH = Workflow(
    name="match",
    description="A coach connects two residents: one offers what the other is looking for.",
    states=MATCH_STATES,
    initial="proposed",
    final_states=MATCH_FINAL_STATES,
    transitions=(
        Transition("agree", ("proposed",), "agreed", _COACH,
                   guards=("both_residents_consented",),
                   description="Both residents want to meet."),
        Transition("record_meeting", ("agreed",), "met", _COACH,
                   description="The residents have met."),
        Transition("decline", ("proposed", "agreed"), "declined", _COACH | {SYSTEM},
                   required=("reason",),
                   description="The connection does not go ahead; the system declines it when "
                               "a consent it relies on stops being valid."),
    ),
    guards=(
        Guard("both_residents_consented",
              "Both residents consented to sharing their contact details with each other."),
    ),
)
