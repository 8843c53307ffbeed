"""Warm handovers: creation, their workflow with its guards and effects, and the cascades
into the case (refer, start_support, referral_failed) in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app.audit.operations import record_event
from app.auth.permissions import Role
from app.cases import operations as case_ops
from app.cases.models import Case
from app.consent.gateway import disclose
from app.consent.models import Consent
from app.consent.queries import consent_to_offer_under
from app.db import db, utcnow
from app.directory.operations import ServiceNotOffered, service_for_handover
from app.errors import Refused
from app.handovers.models import Alert, Handover, SafetyDisclosure
from app.insight import counts as insight_counts
from app.lifecycle.firing import anonymised_message, apply
from app.notifications.models import NotificationKind
from app.notifications.operations import notify, professionals_of
from app.organizations.models import Organization
from policies import Action, ReviewStatus
from workflows.case import HANDOVER_CASE_STATES
from workflows.handover import HANDOVER_ACTIVE_STATES
from workflows.timers import intro_reminder_due, offer_reminder_due, offer_response_due

REOFFERABLE_STATES = ("declined", "withdrawn")


class HandoverNotAllowed(Refused):
    """A handover that cannot be prepared, offered again or disclosed this way."""


def _refuse_unknown_organisation(organization_id: int) -> None:
    if db.session.get(Organization, organization_id) is None:
        raise HandoverNotAllowed(message=_("Unknown organisation."), field="organization_id")


def _refuse_consent_of_another_kind(case: Case, consent_id: uuid.UUID | None) -> None:
    """A handover relies on a consent of the case's resident for sharing with an
    organisation."""
    consent = db.session.get(Consent, consent_id) if consent_id is not None else None
    if consent is None:
        return
    if consent.resident_id != case.resident_id:
        raise HandoverNotAllowed(message=_("This consent belongs to another resident."),
                                 field="consent_id")
    if consent.recipient_organization_id is None:
        raise HandoverNotAllowed(message=_("This consent is for sharing with another resident."),
                                 field="consent_id")


def create_handover(coach: Any, case: Case, data: Mapping[str, Any], *,
                    reoffered_from: Handover | None = None) -> Handover:
    _refuse_unknown_organisation(data["organization_id"])
    _refuse_consent_of_another_kind(case, data.get("consent_id"))
    if case.state not in HANDOVER_CASE_STATES:
        raise HandoverNotAllowed(
            message=_("A handover can be prepared once the help question is formulated "
                      "(the case is now %(state)s).", state=case.state))
    try:
        service, location = service_for_handover(data["organization_id"],
                                                 data.get("service_id"), data.get("location_id"))
    except ServiceNotOffered as refused:
        raise HandoverNotAllowed(message=refused.message) from None
    handover = Handover(
        case=case,  # through the relationship, so `case.handovers` (the guards' view) includes it
        organization_id=data["organization_id"],
        purpose=data["purpose"],
        data_categories=list(data["data_categories"]),
        consent_id=data.get("consent_id"),
        note=data.get("note", ""),
        created_by_id=coach.id,
        reoffered_from_id=reoffered_from.id if reoffered_from is not None else None,
        service=service,
        location=location,
    )
    db.session.add(handover)
    db.session.flush()
    details = {"case_id": str(case.id), "organization_id": handover.organization_id,
               "purpose": handover.purpose, "data_categories": handover.data_categories}
    if reoffered_from is not None:
        details["reoffered_from"] = str(reoffered_from.id)
    if service is not None:
        details["service_id"] = str(service.id)
    if location is not None:
        details["location_id"] = str(location.id)
    record_event("handover_created", actor=coach, object_type="handover", object_id=handover.id,
                 details=details)
    return handover


def reoffer(coach: Any, handover: Handover, organization_id: int,
            now: datetime | None = None) -> Handover:
    """Offer a declined or withdrawn handover to another organisation without retyping: a new
    draft of the same case with the same purpose, categories and note. It relies on a valid
    consent of the resident that covers the new organisation, that purpose and those
    categories when there is one (the consent of the first organisation never covers
    another); otherwise the draft waits for the resident's consent."""
    _refuse_unknown_organisation(organization_id)
    if handover.state not in REOFFERABLE_STATES:
        raise HandoverNotAllowed(
            message=_("Only a declined or withdrawn handover can be offered to another "
                      "organisation."))
    if handover.case.anonymised:
        raise HandoverNotAllowed(message=anonymised_message())
    if organization_id == handover.organization_id:
        raise HandoverNotAllowed(message=_("Choose another organisation than %(organization)s.",
                                           organization=handover.organization.name))
    if any(h.organization_id == organization_id and h.state in HANDOVER_ACTIVE_STATES
           for h in handover.case.handovers):
        raise HandoverNotAllowed(
            message=_("This case already has an active handover to that organisation."))
    consent_id = consent_to_offer_under(coach, handover.case.resident_id, organization_id,
                                        handover.purpose, handover.data_categories, now)
    return create_handover(coach, handover.case, {
        "organization_id": organization_id, "purpose": handover.purpose,
        "data_categories": list(handover.data_categories), "consent_id": consent_id,
        "note": handover.note}, reoffered_from=handover)


def _guards(handover: Handover, actor: Any | None) -> dict[str, Any]:
    def consent_requested_linked(subject: Handover, _args: Mapping[str, Any]) -> str | None:
        from app.consent.models import Consent

        consent = db.session.get(Consent, subject.consent_id) if subject.consent_id else None
        if consent is None or consent.state != "requested":
            return _("Link a consent that has been requested (state 'requested') first.")
        return None

    def disclosure_allowed(subject: Handover, _args: Mapping[str, Any]) -> str | None:
        # Offered from any other case state (a draft kept through revise_question or pause),
        # the case would miss its `refer` and never reach `supported`.
        if subject.case.state not in HANDOVER_CASE_STATES:
            return _("A handover can be offered once the help question is formulated "
                     "(the case is now %(state)s).", state=subject.case.state)
        decision = disclose(
            actor=actor,
            action=Action.OFFER_HANDOVER,
            resident_id=subject.case.resident_id,
            recipient_organization_id=subject.organization_id,
            purpose=subject.purpose,
            categories=subject.data_categories,
            handover=subject,
        )
        if decision.allowed:
            # Remember the consent relied on: when it stops being valid, this ends.
            if decision.consent_id:
                subject.consent_id = uuid.UUID(decision.consent_id)
            return None
        return _("No valid consent or approved safety disclosure covers this handover: "
                 "%(missing)s", missing="; ".join(decision.reasons))

    def actor_in_receiving_organisation(subject: Handover, _args: Mapping[str, Any]) -> str | None:
        if actor is None or actor.organization_id != subject.organization_id:
            return _("Only a professional of the receiving organisation can do this.")
        return None

    def actor_is_coach_or_accepting_professional(subject: Handover,
                                                 _args: Mapping[str, Any]) -> str | None:
        if actor is None:
            return None
        if actor.role == Role.FLATCOACH or actor.id == subject.accepted_by_id:
            return None
        return _("Only the coach or the professional who accepted can do this.")

    def actor_is_accepting_professional(subject: Handover,
                                        _args: Mapping[str, Any]) -> str | None:
        if actor is None or actor.id != subject.accepted_by_id:
            return _("Only the professional who accepted the handover can complete it.")
        return None

    return {
        "consent_requested_linked": consent_requested_linked,
        "disclosure_allowed": disclosure_allowed,
        "actor_in_receiving_organisation": actor_in_receiving_organisation,
        "actor_is_coach_or_accepting_professional": actor_is_coach_or_accepting_professional,
        "actor_is_accepting_professional": actor_is_accepting_professional,
    }


def _record_effects(handover: Handover, trigger: str, actor: Any | None,
                    arguments: Mapping[str, Any], now: datetime) -> None:
    """What a transition notes on the handover itself: timestamps and timer due dates."""
    if trigger == "offer":
        handover.offered_at = now
        handover.response_due_at = offer_response_due(now)
        handover.response_reminder_due_at = offer_reminder_due(now)
    elif trigger == "accept":
        handover.accepted_by_id = actor.id
        handover.accepted_at = now
        handover.response_due_at = None
        handover.response_reminder_due_at = None
    elif trigger in ("schedule_intro", "reschedule_intro"):
        handover.intro_at = arguments["intro_at"]
        handover.intro_place = arguments["place"]
        handover.intro_reminder_due_at = intro_reminder_due(arguments["intro_at"])
        handover.intro_reminded_at = None
    elif trigger == "record_intro":
        handover.intro_held_at = now
        handover.intro_reminder_due_at = None
    elif trigger == "complete":
        handover.completed_at = now
    elif trigger in ("decline", "withdraw"):
        handover.ended_reason = arguments.get("reason")
        if trigger == "decline":
            handover.decline_reason = arguments["decline_reason"]
            handover.declined_at = now
        handover.response_due_at = None
        handover.response_reminder_due_at = None
        handover.intro_reminder_due_at = None


def fire_handover(handover: Handover, trigger: str, actor: Any | None,
                  arguments: Mapping[str, Any], now: datetime | None = None) -> None:
    now = now or utcnow()
    # What the handover adds to neighbourhood insight (its answer, lead times) changes with it.
    with insight_counts.kept(handovers_of=[handover.case.resident_id]):
        apply(handover, trigger, actor=actor, arguments=arguments,
              guards=_guards(handover, actor),
              effects=lambda: _record_effects(handover, trigger, actor, arguments, now))
        # Cascades to other objects, in the same transaction.
        _notify(handover, trigger, actor, now)
        if trigger in ("accept", "record_intro", "decline", "withdraw"):
            _resolve_alerts(handover, now)
        if trigger == "offer":
            case_ops.on_handover_offered(handover.case)
        elif trigger == "complete":
            case_ops.on_handover_completed(handover.case, now)
        elif trigger in ("decline", "withdraw"):
            case_ops.on_handover_ended(handover.case)


# Who hears of each transition: the receiving organisation of what is offered to it (or
# taken back), the case's coach of the answer, and of the joint introduction the other side.
_TRANSITION_NOTICE = {
    "offer": NotificationKind.HANDOVER_OFFERED,
    "accept": NotificationKind.HANDOVER_ACCEPTED,
    "decline": NotificationKind.HANDOVER_DECLINED,
    "schedule_intro": NotificationKind.INTRO_SCHEDULED,
    "reschedule_intro": NotificationKind.INTRO_RESCHEDULED,
    "record_intro": NotificationKind.INTRO_HELD,
    "complete": NotificationKind.HELP_STARTED,
    "withdraw": NotificationKind.HANDOVER_WITHDRAWN,
}


def _notify(handover: Handover, trigger: str, actor: Any | None, now: datetime) -> None:
    kind = _TRANSITION_NOTICE.get(trigger)
    if kind is None:
        return
    coach_id = handover.case.coach_id
    if trigger == "offer":
        recipients = professionals_of(handover.organization_id)
    elif trigger == "withdraw":
        recipients = (professionals_of(handover.organization_id)
                      if handover.offered_at is not None else [])
    elif trigger in ("schedule_intro", "reschedule_intro", "record_intro"):
        recipients = [coach_id, handover.accepted_by_id]
    else:
        recipients = [coach_id]
    notify(kind, recipients, handover=handover, case=handover.case,
           resident_id=handover.case.resident_id, actor=actor, now=now)


def _resolve_alerts(handover: Handover, now: datetime) -> None:
    for alert in db.session.query(Alert).filter(Alert.handover_id == handover.id,
                                                Alert.resolved_at.is_(None)):
        alert.resolved_at = now


def make_safety_disclosure(coach: Any, handover: Handover,
                           data: Mapping[str, Any]) -> SafetyDisclosure:
    if not handover.before_offer:
        raise HandoverNotAllowed(
            message=_("A safety disclosure can only be made before the handover is offered."))
    disclosure = SafetyDisclosure(handover_id=handover.id, justification=data["justification"],
                                  legal_basis=data["legal_basis"], created_by_id=coach.id)
    db.session.add(disclosure)
    db.session.flush()
    record_event("safety_disclosure_made", actor=coach, object_type="handover",
                 object_id=handover.id,
                 details={"safety_disclosure_id": str(disclosure.id),
                          "legal_basis": disclosure.legal_basis})
    return disclosure


def conclude_review(officer: Any, disclosure: SafetyDisclosure, finding: str,
                    justified: bool) -> SafetyDisclosure:
    """The privacy officer's finding on a share without consent, once: unjustified ends the
    professional's access at once."""
    if disclosure.review_status != ReviewStatus.PENDING:
        raise Refused(message=_("This review has already been concluded."))
    disclosure.review_status = ReviewStatus.JUSTIFIED if justified else ReviewStatus.UNJUSTIFIED
    disclosure.reviewed_by_id = officer.id
    disclosure.reviewed_at = utcnow()
    disclosure.finding = finding
    record_event("safety_disclosure_reviewed", actor=officer, object_type="handover",
                 object_id=disclosure.handover_id,
                 details={"safety_disclosure_id": str(disclosure.id),
                          "review_status": str(disclosure.review_status)})
    if not justified and disclosure.handover.active:
        fire_handover(disclosure.handover, "withdraw", None,
                      {"reason": "safety disclosure concluded unjustified"})
    return disclosure
