"""Warm handover pages: preparing and offering one (coach), the inbox of an organisation's
professionals, one handover with only what was released, and its next steps."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import desc, select

from app.auth.access import require
from app.auth.models import User
from app.auth.permissions import Permission, Role
from app.cases.models import Case
from app.cases.scope import case_in_scope
from app.consent.models import Consent
from app.consent.queries import (
    consents_to_offer_under,
    offer_decision,
    valid_consents_for_organisations,
)
from app.consent.scope import consents_query
from app.db import db, utcnow
from app.errors import Refused
from app.handovers.forms import HandoverForm, ReofferForm, SafetyDisclosureForm
from app.handovers.models import Handover, SafetyDisclosure
from app.handovers.operations import (
    REOFFERABLE_STATES,
    HandoverNotAllowed,
    create_handover,
    fire_handover,
    make_safety_disclosure,
    reoffer,
)
from app.handovers.reading import inbox_row, read_handover
from app.handovers.schemas import (
    HandoverCreateSchema,
    ReofferSchema,
    SafetyDisclosureInputSchema,
)
from app.handovers.scope import handover_in_scope, handovers_query
from app.lifecycle.firing import transition_errors
from app.organizations.models import Organization
from app.unit_of_work import discard_changes
from app.web.formkit import TransitionForm, apply_schema
from app.web.labels import label
from app.web.pages import (
    TransitionOutcome,
    latest_seq,
    paginate,
    run_transition,
    transition_form,
    with_argument_choices,
)
from app.web.reasons import SENTENCES, explain
from app.web.templating import when
from policies import ConsentFacts, Reason, in_order
from workflows.handover import REOFFER_SUGGESTED, intro_recorded_early

bp = Blueprint("handovers_pages", __name__, template_folder="templates")

# Inbox tabs: what waits for an answer, what is under way, what has ended.
GROUPS = {
    "open": ("draft", "awaiting_consent", "offered"),
    "running": ("accepted", "intro_scheduled", "intro_held"),
    "ended": ("completed", "declined", "withdrawn"),
}
PATH = ("draft", "offered", "accepted", "intro_scheduled", "intro_held", "completed")


def _resident_consents(case: Case) -> list[Consent]:
    return list(db.session.execute(
        consents_query(current_user).where(Consent.resident_id == case.resident_id,
                                           Consent.recipient_organization_id.is_not(None))
        .order_by(desc(Consent.created_at))
    ).scalars())


@bp.route("/handovers")
@require(Permission.HANDOVERS_READ)
def inbox() -> Any:
    group = request.args.get("group", "open")
    if group not in (*GROUPS, "all"):
        group = "open"
    query = handovers_query(current_user)
    if group != "all":
        query = query.where(Handover.state.in_(GROUPS[group]))
    query = query.order_by(Handover.response_due_at.asc().nulls_last(),
                           desc(Handover.created_at))
    page = paginate(query)
    rows = [inbox_row(current_user, handover) for handover in page.items]
    response = render_template("handovers/inbox.html", page=page, rows=rows, group=group,
                               groups=(*GROUPS, "all"))
    return response


@bp.route("/cases/<uuid:case_id>/handovers/new", methods=["GET", "POST"])
@require(Permission.HANDOVERS_CREATE)
def new(case_id: uuid.UUID) -> Any:
    """Prepare a warm handover, starting from the resident's valid consent: with one, its
    organisation, purpose and topics are filled in; with several, the coach picks one. The
    page warns before submitting what the consent does not cover, and an offer it does not
    cover is refused with why, in plain words — never kept as a draft unasked."""
    case = case_in_scope(current_user, case_id)
    valid = valid_consents_for_organisations(case.resident_id)
    if request.method != "POST":
        form = HandoverForm(_resident_consents(case), formdata=None,
                            data=_from_consent(valid, request.args.get("consent")))
        return _render_new(case, form, valid)
    form = HandoverForm(_resident_consents(case))
    data = None
    if form.validate():
        data = apply_schema(form, HandoverCreateSchema(), {
            "organization_id": int(form.organization_id.data),
            "purpose": form.purpose.data,
            "data_categories": form.data_categories.data,
            "consent_id": form.consent_id.data or None,
            "note": form.note.data or "",
            **dict(zip(("service_id", "location_id"), form.service_and_location(),
                       strict=True)),
        })
    if data is None:
        return _render_new(case, form, valid, 422)
    offering = request.form.get("answer") == "offer"
    decision = offer_decision(current_user, case.resident_id, data["organization_id"],
                              data["purpose"], data["data_categories"])
    if offering and not decision.allowed:
        form.form_errors.extend(explain(decision))
        return _render_new(case, form, valid, 422)
    try:
        handover = create_handover(current_user, case, data)
        if offering:
            with transition_errors():
                fire_handover(handover, "offer", current_user, {})
    except Refused as refused:  # refused here, or at the offer: nothing is kept
        discard_changes()
        form.form_errors.append(refused.message)
        return _render_new(case, form, valid, 422)
    if offering:
        flash(_("Handover offered to %(organization)s.",
                organization=handover.organization.name))
    elif decision.allowed:
        flash(_("Handover saved as a draft."))
    else:
        flash(" ".join([_("Handover saved as a draft. Before it can be offered:"),
                        *explain(decision)]))
    return redirect(url_for("handovers_pages.handover", handover_id=handover.id))


def _from_consent(valid: list[ConsentFacts], chosen: str | None) -> dict[str, Any]:
    """What the form starts from: the one valid consent, or the one the coach picked."""
    picked = next((fact for fact in valid if fact.id == chosen), None)
    if picked is None and len(valid) == 1:
        picked = valid[0]
    if picked is None:
        return {}
    return {"organization_id": picked.recipient_organization_id, "purpose": picked.purpose,
            "data_categories": in_order(picked.categories), "consent_id": picked.id}


def _render_new(case: Case, form: HandoverForm, valid: list[ConsentFacts],
                status: int = 200) -> Any:
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    consents = [{"id": fact.id, "organization": fact.recipient_organization_id,
                 "organization_name": names.get(int(fact.recipient_organization_id), ""),
                 "purpose": fact.purpose, "categories": in_order(fact.categories),
                 "valid_until": fact.valid_until} for fact in valid]
    return render_template(
        "handovers/new.html", case=case, form=form, consents=consents,
        # For the warning before submitting: what each valid consent covers.
        coverage=[{key: consent[key] for key in ("organization", "purpose", "categories")}
                  for consent in consents],
        chosen=form.consent_id.data or "",
        warnings={"no_consent": str(SENTENCES[Reason.NO_CONSENT]),
                  "not_covered": str(SENTENCES[Reason.CATEGORIES_NOT_COVERED])}), status


def _reoffer_options(handover: Handover, form: ReofferForm | None = None) -> dict[str, Any] | None:
    """For the coach of a declined or withdrawn handover: the other organisations, and those
    of them a valid consent of the resident already covers for this purpose and these
    categories (for the others the draft waits for consent)."""
    if (handover.state not in REOFFERABLE_STATES or handover.case.anonymised
            or not current_user.can(Permission.HANDOVERS_CREATE)):
        return None
    others = [(organization_id, name) for organization_id, name in db.session.execute(
        select(Organization.id, Organization.name).where(
            Organization.id != handover.organization_id).order_by(Organization.name)).all()]
    covered = consents_to_offer_under(current_user, handover.case.resident_id,
                                      [organization_id for organization_id, _name in others],
                                      handover.purpose, handover.data_categories)
    return {
        "form": form or ReofferForm([(str(i), name) for i, name in others], formdata=None),
        "covered": [name for organization_id, name in others if organization_id in covered],
        "suggested": handover.decline_reason in REOFFER_SUGGESTED,
    }


def _early_intro(handover: Handover) -> dict[str, str] | None:
    """When the introduction is still to come, recording it asks for a confirmation."""
    if handover.state != "intro_scheduled" or not intro_recorded_early(handover.intro_at,
                                                                        utcnow()):
        return None
    return {"question": _("The introduction was planned for %(date)s — are you sure it has "
                          "already taken place?", date=when(handover.intro_at, "short")),
            "answer": _("Yes, the introduction has already taken place")}


def render_handover_page(handover: Handover, *, failed: TransitionForm | None = None,
                         outcome: TransitionOutcome | None = None,
                         failed_reoffer: ReofferForm | None = None, status: int = 200) -> Any:
    view = read_handover(current_user, handover)
    seen = latest_seq()
    forms = {trigger: transition_form(handover, trigger, seen)
             for trigger in view["allowed_triggers"]}
    if failed is not None and handover.workflow.get(failed.trigger.data or ""):
        forms[failed.trigger.data] = failed
    coach = current_user.role == Role.FLATCOACH
    disclosures = list(db.session.execute(
        select(SafetyDisclosure).where(SafetyDisclosure.handover_id == handover.id)
        .order_by(SafetyDisclosure.created_at)
    ).scalars()) if coach else []
    page = render_template(
        "handovers/handover.html", handover=handover, view=view, forms=forms, outcome=outcome,
        coach=coach, case=handover.case if coach else None, disclosures=disclosures,
        path=PATH, reoffer=_reoffer_options(handover, failed_reoffer) if coach else None,
        reoffered_from=db.session.get(Handover, handover.reoffered_from_id)
        if coach and handover.reoffered_from_id else None,
        # The receiving side arranges the joint introduction with the coach: who and how.
        case_coach=None if coach else db.session.get(User, handover.case.coach_id),
        confirm={"record_intro": early} if (early := _early_intro(handover)) else None,
    )
    return page, status


@bp.route("/handovers/<uuid:handover_id>")
@require(Permission.HANDOVERS_READ)
def handover(handover_id: uuid.UUID) -> Any:
    return render_handover_page(handover_in_scope(current_user, handover_id))


@bp.route("/handovers/<uuid:handover_id>/transitions", methods=["POST"])
@require(Permission.HANDOVERS_TRANSITION)
def transition(handover_id: uuid.UUID) -> Any:
    handover = handover_in_scope(current_user, handover_id)
    form = with_argument_choices(TransitionForm(), handover)

    def confirmed_if_early() -> str | None:
        if (form.trigger.data != "record_intro" or form.confirmed.data
                or _early_intro(handover) is None):
            return None
        form.confirmed.errors = [_("Tick this to confirm that the introduction took place.")]
        return _("The introduction has not been recorded: confirm that it already took place.")

    outcome = run_transition(
        handover, form,
        lambda arguments: fire_handover(handover, form.trigger.data, current_user, arguments),
        prepare=confirmed_if_early)
    if outcome.done:
        flash(_("Handover: %(state)s.", state=label(handover.state, "handover_state")))
        return redirect(url_for("handovers_pages.handover", handover_id=handover.id))
    if outcome.status == "refused" and form.trigger.data == "offer":
        # The refusal (logged as decided) is said to the coach from its reason codes.
        decision = offer_decision(current_user, handover.case.resident_id,
                                  handover.organization_id, handover.purpose,
                                  handover.data_categories)
        if not decision.allowed:
            outcome.message = " ".join([_("Not offered:"), *explain(decision)])
    return render_handover_page(handover, failed=form, outcome=outcome,
                                status=outcome.http_status)


@bp.route("/handovers/<uuid:handover_id>/reoffer", methods=["POST"])
@require(Permission.HANDOVERS_CREATE)
def reoffer_page(handover_id: uuid.UUID) -> Any:
    """Offer a declined or withdrawn handover to another organisation: a draft to check."""
    handover = handover_in_scope(current_user, handover_id)
    choices_ = [(str(i), name) for i, name in db.session.execute(
        select(Organization.id, Organization.name).where(
            Organization.id != handover.organization_id).order_by(Organization.name)).all()]
    form = ReofferForm(choices_)
    data = None
    if form.validate():
        data = apply_schema(form, ReofferSchema(),
                            {"organization_id": int(form.organization_id.data)})
    if data is None:
        return render_handover_page(handover, failed_reoffer=form, status=422)
    try:
        draft = reoffer(current_user, handover, data["organization_id"])
    except HandoverNotAllowed as refused:
        discard_changes()
        form.form_errors.append(refused.message)
        return render_handover_page(handover, failed_reoffer=form, status=422)
    if draft.consent_id is not None:
        flash(_("A draft for %(organization)s is ready, with the same topics and note. The "
                "resident's consent for %(organization)s covers it: check it and offer it.",
                organization=draft.organization.name))
    else:
        flash(_("A draft for %(organization)s is ready, with the same topics and note. No "
                "consent of the resident covers %(organization)s yet: ask the resident and "
                "record their consent before you offer it.",
                organization=draft.organization.name))
    return redirect(url_for("handovers_pages.handover", handover_id=draft.id))


@bp.route("/handovers/<uuid:handover_id>/safety-disclosure", methods=["GET", "POST"])
@require(Permission.SAFETY_DISCLOSURE_CREATE)
def safety_disclosure(handover_id: uuid.UUID) -> Any:
    handover = handover_in_scope(current_user, handover_id)
    form = SafetyDisclosureForm()
    if not form.is_submitted():
        return render_template("handovers/safety.html", handover=handover, form=form)
    data = None
    if form.validate():
        data = apply_schema(form, SafetyDisclosureInputSchema(), {
            "justification": form.justification.data, "legal_basis": form.legal_basis.data})
    if data is None:
        return render_template("handovers/safety.html", handover=handover, form=form), 422
    try:
        make_safety_disclosure(current_user, handover, data)
    except HandoverNotAllowed as refused:
        discard_changes()
        form.form_errors.append(refused.message)
        return render_template("handovers/safety.html", handover=handover, form=form), 422
    flash(_("Safety disclosure recorded; the privacy officer will review it."))
    return redirect(url_for("handovers_pages.handover", handover_id=handover.id))
