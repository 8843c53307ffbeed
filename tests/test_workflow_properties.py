"""Whatever coaches, professionals and privacy officers fire, in whatever order, through the
operations layer: a case with its handovers, consents, safety disclosures and connections only
moves along defined transitions, every object's transition log replays from its initial state to
where it stands, a referred case has a handover in flight, only the receiving organisation ever
takes a handover on, no active handover relies on a consent that is not valid, and no
professional of another organisation can read a handover."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.auth.models import User
from app.auth.operations import issue_token
from app.cases.operations import fire_case, set_help_question
from app.consent.gateway import consent_facts, safety_facts
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.recording import request_consent
from app.convenants.reading import convenant_facts
from app.db import db, utcnow
from app.handovers.models import SafetyDisclosure
from app.handovers.operations import (
    HandoverNotAllowed,
    conclude_review,
    create_handover,
    fire_handover,
    make_safety_disclosure,
)
from app.insight.counts import reconcile
from app.matches.operations import MatchNotAllowed, fire_match, propose_match
from app.visits.schemas import OFFER_KINDS
from policies import Action, DisclosureRequest, ReviewStatus, decide, default_valid_until
from tests import factories
from workflows import WORKFLOWS, WorkflowError
from workflows.case import CLOSE_OUTCOMES, HANDOVER_CASE_STATES
from workflows.handover import HANDOVER_ACTIVE_STATES

MOSTLY = st.sampled_from([True, True, True, False])
STARTS = ["contacted", "exploring", "question_formulated", "referred", "supported", "paused"]
INTRO_AT = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
HANDED_OVER = ("offered", "accepted", "intro_scheduled", "intro_held")
"""Active handover states after an offer."""
ROLE_OF = {"coach": "flatcoach", "receiving_professional": "professional",
           "colleague": "professional", "other_professional": "professional",
           "privacy_officer": "privacy_officer", "system": "system"}
CASE_ACTORS = ("coach", "receiving_professional", "other_professional")
HANDOVER_ACTORS = ("coach", "receiving_professional", "colleague", "other_professional", "system")
CONSENT_ACTORS = ("coach", "privacy_officer", "system")
MATCH_ACTORS = ("coach", "receiving_professional")
"""The system declines a match through a consent's cascade, not on its own."""
SAFETY_BASES = ("vital_interest", "legal_obligation")
RELIED_ON = (ReviewStatus.PENDING, ReviewStatus.JUSTIFIED)
"""A safety disclosure in these review states still carries a share."""
JUSTIFICATION = ("De bewoner is acuut in gevaar: geen eten in huis en de verwarming is "
                 "afgesloten.")


def make_path_machine(world, http_app):
    """The state machine class, bound to the test's world (users and organisations) and to
    the app that answers HTTP requests."""

    class ResidentPath(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each example runs in a savepoint of its own and leaves nothing behind.
            self.example = db.session.begin_nested()
            self.last_seq = self._max_seq()
            self.resident = factories.create_resident(world.dwelling)
            self.neighbour = factories.create_resident(world.dwelling,
                                                       display_name="Henk de Boer")
            self.colleague = factories.create_user("professional", world.buurtteam)
            self.tracked: dict[str, tuple[str, str]] = {}
            self.matches: list = []
            self.disclosures: list[SafetyDisclosure] = []
            # Bearer tokens (rolled back with the example) and what each reader already tried.
            self.client = http_app.test_client()
            self.tokens = {user.id: issue_token(user)[0]
                           for user in (world.professional, world.other_professional)}
            self.asked: set[tuple[str, str]] = set()
            # Handovers under way when the coach took the case back to exploring with a new
            # question: they run on while the case starts a new round.
            self.carried_over: set[str] = set()

        @initialize(start=st.sampled_from(STARTS), consented=MOSTLY, draft=MOSTLY,
                    paused_from=st.sampled_from(["question_formulated", "referred"]),
                    disclosed=st.booleans())
        def open_the_case(self, start, consented, draft, paused_from, disclosed):
            """Start anywhere on the path, reached through the real transitions (and logged);
            perhaps with consents for both organisations and a handover in preparation, which
            a safety disclosure may cover."""
            base = paused_from if start == "paused" else start
            self.case = factories.create_case(self.resident, world.coach, base,
                                              professional=world.professional)
            disclosed = disclosed and draft and base in HANDOVER_CASE_STATES
            if consented:
                # Where safety is at stake, the disclosure takes the place of consent.
                for organization in ((world.buurtteam,) if disclosed
                                     else (world.buurtteam, world.schuldhulp)):
                    factories.create_consent(self.resident, world.coach, organization)
            if draft and base in HANDOVER_CASE_STATES:
                prepared = factories.create_handover(self.case, world.coach, world.schuldhulp)
                if disclosed:
                    self.disclosures.append(make_safety_disclosure(world.coach, prepared, {
                        "justification": JUSTIFICATION, "legal_basis": "vital_interest"}))
            if start == "paused":
                fire_case(self.case, "pause", world.coach, {"reason": "Op reis."})
            self.handovers = list(self.case.handovers)
            self.consents = list(db.session.execute(
                select(Consent).where(Consent.resident_id == self.resident.id)).scalars())
            for subject in self._subjects():
                self.tracked[str(subject.id)] = (subject.object_type, subject.workflow.initial)

        def teardown(self) -> None:
            self.example.rollback()
            db.session.expire_all()

        # --- helpers ----------------------------------------------------------------------

        @staticmethod
        def _max_seq() -> int:
            return db.session.execute(
                select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)
            ).scalar_one_or_none() or 0

        def _subjects(self):
            return [self.case, *self.handovers, *self.consents, *self.matches]

        def _attempt(self, action) -> bool:
            """Like a request: a refused trigger rolls back everything it touched."""
            try:
                with db.session.begin_nested():
                    action()
            except (WorkflowError, HandoverNotAllowed, MatchNotAllowed):
                return False
            return True

        @staticmethod
        def _outsider(handover) -> User:
            """The professional of the organisation the handover was not offered to."""
            if handover.organization_id == world.buurtteam.id:
                return world.other_professional
            return world.professional

        @staticmethod
        def _receiver(handover) -> User:
            if handover.organization_id == world.buurtteam.id:
                return world.professional
            return world.other_professional

        @staticmethod
        def _read_request(handover, reader, consents, safety) -> DisclosureRequest:
            """The request the gateway (`app.consent.gateway.disclose`) builds when `reader`
            opens the handover, asked here without appending to the processing log."""
            return DisclosureRequest(
                actor_id=str(reader.id), actor_role=str(reader.role),
                actor_organization_id=str(reader.organization_id),
                action=Action.READ_HANDOVER, resident_id=str(handover.case.resident_id),
                recipient_organization_id=str(handover.organization_id),
                purpose=handover.purpose, categories=frozenset(handover.data_categories),
                now=utcnow(), consents=consents, safety_disclosure=safety,
                offered_under_consent_id=(str(handover.consent_id)
                                          if handover.consent_id is not None else None),
                handover_ended=handover.state in ("declined", "withdrawn"),
                convenants=convenant_facts())

        def _actor(self, who: str, handover=None) -> User | None:
            receiving, outsider = world.professional, world.other_professional
            if handover is not None and handover.organization_id == world.schuldhulp.id:
                receiving, outsider = outsider, receiving
            return {"coach": world.coach, "receiving_professional": receiving,
                    "colleague": self.colleague, "other_professional": outsider,
                    "privacy_officer": world.privacy_officer, "system": None}[who]

        @staticmethod
        def _trigger(data, subject, actors, extra=()):
            """Mostly a trigger the table allows from here, fired by someone of a role that
            may fire it, so that deep states are reached; otherwise anything by anyone."""
            possible = [(t.trigger, who)
                        for t in subject.workflow.transitions_from(subject.state)
                        for who in actors if ROLE_OF[who] in t.roles]
            if possible and data.draw(MOSTLY, label="a possible trigger"):
                return data.draw(st.sampled_from(possible), label="trigger and actor")
            return (data.draw(st.sampled_from([*sorted(subject.workflow.triggers), *extra]),
                              label="any trigger"),
                    data.draw(st.sampled_from(actors), label="anyone"))

        # --- rules ------------------------------------------------------------------------

        @rule(data=st.data(), outcome=st.sampled_from([*CLOSE_OUTCOMES, "solved"]),
              with_arguments=MOSTLY)
        def fire_on_case(self, data, outcome, with_arguments):
            trigger, who = self._trigger(data, self.case, CASE_ACTORS, extra=["no_such_trigger"])
            arguments = {"reason": "Op reis.", "outcome": outcome} if with_arguments else {}
            if (self._attempt(lambda: fire_case(self.case, trigger, self._actor(who), arguments))
                    and trigger == "new_question"):
                self.carried_over |= {str(h.id) for h in self.handovers
                                      if h.state in HANDED_OVER}

        @rule(complete=MOSTLY)
        def write_help_question(self, complete):
            if self.case.state != "closed":
                set_help_question(world.coach, self.case, {
                    "text": "Ik kom niet rond.", "themes": ["finances"] if complete else []})

        @precondition(lambda self: len(self.handovers) < 2)
        @rule(organization=st.sampled_from(["buurtteam", "schuldhulp"]))
        def prepare_handover(self, organization):
            created = []

            def prepare():
                created.append(create_handover(world.coach, self.case, {
                    "organization_id": getattr(world, organization).id,
                    "purpose": "warm_handover",
                    "data_categories": list(factories.HANDOVER_CATEGORIES)}))

            if self._attempt(prepare):
                self.handovers.append(created[0])
                self.tracked[str(created[0].id)] = ("handover", "draft")

        @precondition(lambda self: self.handovers)
        @rule(data=st.data(), index=st.integers(0, 1), with_arguments=MOSTLY)
        def fire_on_handover(self, data, index, with_arguments):
            handover = self.handovers[index % len(self.handovers)]
            trigger, who = self._trigger(data, handover, HANDOVER_ACTORS)
            arguments = ({"reason": "Geen plek.", "decline_reason": "no_capacity",
                          "intro_at": INTRO_AT, "place": "Buurtkamer"}
                         if with_arguments else {})
            actor = self._actor(who, handover)
            self._attempt(lambda: fire_handover(handover, trigger, actor, arguments))

        @precondition(lambda self: any(h.state in ("draft", "awaiting_consent")
                                       for h in self.handovers))
        @rule(index=st.integers(0, 1))
        def offer_a_handover(self, index):
            """The coach's step that everything after it needs: offered more often than the
            other triggers are drawn, under a consent or a safety disclosure."""
            handover = self.handovers[index % len(self.handovers)]
            self._attempt(lambda: fire_handover(handover, "offer", world.coach, {}))

        @precondition(lambda self: self.handovers)
        @rule(index=st.integers(0, 1), basis=st.sampled_from(SAFETY_BASES))
        def make_a_safety_disclosure(self, index, basis):
            """Sharing without consent on grounds of safety, before the offer only."""
            handover = self.handovers[index % len(self.handovers)]
            made = []
            if self._attempt(lambda: made.append(make_safety_disclosure(
                    world.coach, handover, {"justification": JUSTIFICATION,
                                            "legal_basis": basis}))):
                self.disclosures.append(made[0])

        @precondition(lambda self: any(d.review_status == ReviewStatus.PENDING
                                       for d in self.disclosures))
        @rule(data=st.data(), justified=st.booleans())
        def review_a_safety_disclosure(self, data, justified):
            pending = [d for d in self.disclosures if d.review_status == ReviewStatus.PENDING]
            disclosure = data.draw(st.sampled_from(pending), label="disclosure")
            self._attempt(lambda: conclude_review(world.privacy_officer, disclosure,
                                                  "Getoetst.", justified))

        @precondition(lambda self: len(self.matches) < 2)
        @rule(offer=st.sampled_from(sorted(OFFER_KINDS)), offering=st.booleans(),
              answered=MOSTLY)
        def propose_a_match(self, offer, offering, answered):
            """Connect the resident with a neighbour: two consents are asked, one each, and
            mostly given at the door right away."""
            pair = ((self.resident, self.neighbour) if offering
                    else (self.neighbour, self.resident))
            made = []
            if not self._attempt(lambda: made.append(propose_match(world.coach, *pair, offer))):
                return
            match = made[0]
            self.matches.append(match)
            self.tracked[str(match.id)] = ("match", "proposed")
            for consent in (match.offering_consent, match.seeking_consent):
                self.consents.append(consent)
                self.tracked[str(consent.id)] = ("consent", "requested")
                if answered:
                    fire_consent(consent, "give", world.coach,
                                 {"method": "verbal", "notice_version": "2025-01"})

        @precondition(lambda self: self.matches)
        @rule(data=st.data(), index=st.integers(0, 1), with_arguments=MOSTLY)
        def fire_on_match(self, data, index, with_arguments):
            match = self.matches[index % len(self.matches)]
            trigger, who = self._trigger(data, match, MATCH_ACTORS)
            arguments = {"reason": "Past nu niet."} if with_arguments else {}
            self._attempt(lambda: fire_match(match, trigger, self._actor(who), arguments))

        @precondition(lambda self: len(self.consents) < 3)
        @rule(organization=st.sampled_from(["buurtteam", "schuldhulp"]),
              covers_everything=MOSTLY, link=st.booleans())
        def request_a_consent(self, organization, covers_everything, link):
            org = getattr(world, organization)
            consent = request_consent(world.coach, self.resident.id, {
                "purpose": "warm_handover", "recipient_organization_id": org.id,
                "data_categories": (list(factories.HANDOVER_CATEGORIES) if covers_everything
                                    else ["identity"]),
                "valid_until": default_valid_until(datetime.now(UTC))})
            self.consents.append(consent)
            self.tracked[str(consent.id)] = ("consent", "requested")
            drafts = [h for h in self.handovers
                      if h.organization_id == org.id and h.state == "draft"]
            if link and drafts:
                drafts[0].consent_id = consent.id
                db.session.flush()

        @precondition(lambda self: self.consents)
        @rule(data=st.data(), index=st.integers(0, 6), with_arguments=MOSTLY)
        def fire_on_consent(self, data, index, with_arguments):
            consent = self.consents[index % len(self.consents)]
            trigger, who = self._trigger(data, consent, CONSENT_ACTORS)
            arguments = ({"method": "verbal", "notice_version": "2025-01",
                          "reason": "Op verzoek van de bewoner."} if with_arguments else {})
            self._attempt(lambda: fire_consent(consent, trigger, self._actor(who), arguments))

        # --- invariants -------------------------------------------------------------------

        @invariant()
        def the_insight_counts_agree_with_the_rows(self):
            assert reconcile().differences == {}

        @invariant()
        def every_state_belongs_to_its_workflow(self):
            for subject in self._subjects():
                assert subject.state in subject.workflow.states

        @invariant()
        def every_state_is_explained_by_the_transition_log(self):
            """Each case, handover, consent and match: its transition events, replayed from the
            workflow's initial state along defined transitions fired by allowed roles, end in
            its current state; no other object moved."""
            events = db.session.execute(
                select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.trigger,
                       AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor_role)
                .where(AuditEvent.event_type == "transition", AuditEvent.seq > self.last_seq)
                .order_by(AuditEvent.seq)
            ).all()
            replayed = {object_id: WORKFLOWS[object_type].initial
                        for object_id, (object_type, _state) in self.tracked.items()}
            for event in events:
                assert event.object_id in self.tracked, f"{event.object_type} moved unseen"
                object_type, _state = self.tracked[event.object_id]
                state = replayed[event.object_id]
                workflow = WORKFLOWS[object_type]
                assert event.object_type == object_type
                transition = workflow.get(event.trigger)
                assert transition is not None
                assert event.from_state == state
                assert state in transition.sources
                assert event.to_state == transition.dest or (
                    transition.dest is None and event.to_state in workflow.returns_to(transition))
                assert (event.actor_role or "system") in transition.roles
                replayed[event.object_id] = event.to_state
            for subject in self._subjects():
                assert replayed[str(subject.id)] == subject.state, (
                    f"{subject.object_type} is {subject.state}; its log says "
                    f"{replayed[str(subject.id)]}")
                self.tracked[str(subject.id)] = (subject.object_type, subject.state)

        @invariant()
        def no_active_handover_relies_on_a_consent_that_is_not_valid(self):
            """From the offer on, an active handover relies on the consent it was offered under,
            which is still valid — or on the safety disclosure it was offered under, while the
            privacy officer's review is pending or found it justified."""
            handed_over = {str(h.id): h for h in self.handovers if h.state in HANDED_OVER}
            if not handed_over:
                return
            offers = {entry.object_id: entry for entry in db.session.execute(
                select(ProcessingLogEntry).where(
                    ProcessingLogEntry.action == Action.OFFER_HANDOVER,
                    ProcessingLogEntry.decision == "allowed",
                    ProcessingLogEntry.object_id.in_(handed_over))
            ).scalars()}
            now = utcnow()
            for handover_id, handover in handed_over.items():
                offer = offers[handover_id]  # offered once: a final state is never offered
                if offer.safety_disclosure_id is not None:
                    disclosure = next(d for d in self.disclosures
                                      if str(d.id) == offer.safety_disclosure_id)
                    assert disclosure.handover_id == handover.id
                    assert disclosure.review_status in RELIED_ON
                    continue
                assert offer.consent_id == str(handover.consent_id)
                consent = next(c for c in self.consents if c.id == handover.consent_id)
                assert consent.state == "given"
                assert now < consent.valid_until
                assert consent.recipient_organization_id == handover.organization_id

        @invariant()
        def no_professional_reads_a_handover_of_another_organisation(self):
            """The decision denies a reader of another organisation (and allows the receiving
            one while the handover is under way); over HTTP such a reader does not find it."""
            if not self.handovers:
                return
            consents = consent_facts(self.resident.id)
            for handover in self.handovers:
                outsider = self._outsider(handover)
                # Safety disclosures are made by the rule above only.
                safety = safety_facts(handover) if self.disclosures else None
                denied = decide(self._read_request(handover, outsider, consents, safety))
                assert not denied.allowed
                assert denied.released_categories == frozenset()
                assert any("is not the recipient" in reason for reason in denied.reasons)
                if handover.state in HANDED_OVER:
                    read = decide(self._read_request(handover, self._receiver(handover),
                                                     consents, safety))
                    assert read.allowed, read.reasons
                if (str(handover.id), handover.state) in self.asked:
                    continue
                self.asked.add((str(handover.id), handover.state))
                response = self.client.get(
                    f"/api/v1/handovers/{handover.id}",
                    headers={"Authorization": f"Bearer {self.tokens[outsider.id]}"})
                assert response.status_code == 404
                assert self.resident.display_name not in response.get_data(as_text=True)

        @invariant()
        def a_referred_case_has_a_handover_in_flight(self):
            if self.case.state == "referred":
                assert any(h.state in HANDOVER_ACTIVE_STATES for h in self.handovers)
                refers = db.session.execute(
                    select(AuditEvent.seq).where(AuditEvent.object_id == str(self.case.id),
                                                 AuditEvent.trigger == "refer")
                ).scalars().all()
                assert refers, "referred without ever being referred"

        @invariant()
        def a_handed_over_case_is_referred_or_supported(self):
            """While a handover is offered or further along, the case stands where the offer put
            it (referred, or supported by an earlier one) — or where it will resume to. A
            handover already under way when a new question took the case back to exploring
            runs on beside the new round."""
            state = self.case.paused_from if self.case.state == "paused" else self.case.state
            if state != "closed" and any(h.state in HANDED_OVER and str(h.id)
                                         not in self.carried_over for h in self.handovers):
                assert state in ("referred", "supported")

        @invariant()
        def only_the_receiving_organisation_takes_a_handover_on(self):
            for handover in self.handovers:
                if handover.accepted_by_id is not None:
                    accepter = db.session.get(User, handover.accepted_by_id)
                    assert accepter.organization_id == handover.organization_id
                    assert handover.state not in ("draft", "awaiting_consent", "offered")

    return ResidentPath


def test_random_paths_keep_the_workflows_consistent(app, http_app, world, ctx):
    run_state_machine_as_test(
        make_path_machine(world, http_app),
        settings=settings(max_examples=40, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )


# --- paths the machine found, kept as plain examples ------------------------------------------

def test_a_handover_prepared_in_the_same_session_counts_as_active(app, world, ctx):
    """`case.handovers` was loaded before the handovers existed: the guards and cascades must
    still see them (the case was wrongly sent back from referred, or closed with a draft)."""
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    assert case.handovers == []
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    first = factories.create_handover(case, world.coach, world.buurtteam)
    second = factories.create_handover(case, world.coach, world.buurtteam)
    fire_handover(second, "offer", world.coach, {})
    fire_handover(first, "withdraw", world.coach, {"reason": "Dubbel aangemaakt."})
    assert (case.state, second.state) == ("referred", "offered")

    other = factories.create_case(world.other_resident, world.other_coach, "question_formulated")
    assert other.handovers == []
    factories.create_handover(other, world.other_coach, world.schuldhulp)
    with pytest.raises(WorkflowError) as refused:
        fire_case(other, "close", world.other_coach, {"outcome": "connected"})
    assert refused.value.guard == "no_active_handover"
    assert other.state == "question_formulated"


def test_a_draft_offered_after_pause_or_revision_is_refused(app, world, ctx):
    """Offered while the case is paused from question_formulated (or back in exploring), the
    case missed its `refer`, resumed to question_formulated and never reached supported."""
    for trigger, arguments in (("pause", {"reason": "Op reis."}), ("revise_question", {})):
        resident = factories.create_resident(world.dwelling)
        case = factories.create_case(resident, world.coach, "question_formulated")
        factories.create_consent(resident, world.coach, world.buurtteam)
        handover = factories.create_handover(case, world.coach, world.buurtteam)
        fire_case(case, trigger, world.coach, arguments)
        with pytest.raises(WorkflowError) as refused, db.session.begin_nested():
            fire_handover(handover, "offer", world.coach, {})
        assert refused.value.guard == "disclosure_allowed"
        assert handover.state == "draft"
