"""Consent (toestemming); statuses follow the W3C DPV consent statuses.

A consent's scope never changes; a new scope is a new consent. Only `given` and not past
`valid_until` is valid.
"""

from workflows.definition import (
    FLATCOACH,
    PRIVACY_OFFICER,
    RESIDENT,
    SYSTEM,
    Guard,
    Timer,
    Transition,
    Workflow,
)

CONSENT_STATES: tuple[str, ...] = ("requested", "given", "refused", "withdrawn", "expired", "revoked")
CONSENT_FINAL_STATES: tuple[str, ...] = ("refused", "withdrawn", "expired", "revoked")
CONSENT_METHODS: tuple[str, ...] = ("verbal", "written", "digital")

_COACH = frozenset({FLATCOACH})

CONSENT = Workflow(
    name="consent",
    description=(
        "A resident's consent to share data: bound to a purpose, a recipient organisation, a set "
        "of data categories and a period."
    ),
    states=CONSENT_STATES,
    initial="requested",
    final_states=CONSENT_FINAL_STATES,
    transitions=(
        Transition("give", ("requested",), "given", _COACH,
                   guards=("before_its_end",), required=("method", "notice_version"),
                   allowed_values={"method": CONSENT_METHODS},
                   description="The coach records the resident's consent and the notice shown."),
        Transition("refuse", ("requested",), "refused", frozenset({FLATCOACH, SYSTEM}),
                   description=(
                       "The resident does not consent; the system refuses a request still open "
                       "when the resident's data is erased or anonymised."
                   )),
        Transition("withdraw", ("given",), "withdrawn",
                   frozenset({FLATCOACH, PRIVACY_OFFICER, RESIDENT, SYSTEM}),
                   required=("reason",),
                   description=(
                       "Withdrawn on the resident's word, or by the resident on their own page; "
                       "by the system when the resident's data is erased or anonymised."
                   )),
        Transition("expire", ("given",), "expired", frozenset({SYSTEM}),
                   description="Fired when valid_until passes."),
        Transition("revoke", ("given",), "revoked", frozenset({PRIVACY_OFFICER}),
                   required=("reason",),
                   description="Recorded in error: invalid."),
    ),
    guards=(
        Guard("before_its_end",
              "The consent's validity has not ended yet: an expired consent is never given, "
              "a new one is asked."),
    ),
    timers=(
        Timer("remind_expiring_consent", "given",
              "30 days before valid_until the coach who recorded it is reminded."),
        Timer("expire_consent", "given", "Expires when valid_until passes.", trigger="expire"),
    ),
)
