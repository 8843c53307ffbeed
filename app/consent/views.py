"""Consent pages: recording a consent at the kitchen table, one consent with its history and
the actions allowed now, and the privacy officer's consent register (with CSV export)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import desc, select

from app.audit.operations import record_log_export
from app.auth.access import require
from app.auth.permissions import Permission
from app.consent.forms import ConsentFilterForm, ConsentForm, end_of_day, notice_version
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.queries import consent_history
from app.consent.recording import request_consent
from app.consent.schemas import ConsentCreateSchema
from app.consent.scope import consent_in_scope, consents_query
from app.db import db, utcnow
from app.errors import Refused
from app.handovers.models import Handover
from app.lifecycle.firing import transition_errors, triggers_for
from app.matches.models import Match
from app.matches.scope import matches_query
from app.residents.models import Resident
from app.residents.operations import refuse_anonymised_resident
from app.residents.scope import resident_in_scope, residents_query
from app.web.formkit import REQUIRED, TransitionForm, apply_schema
from app.web.labels import label
from app.web.pages import (
    TransitionOutcome,
    csv_response,
    latest_seq,
    paginate,
    run_transition,
    show_refusal,
    stream_scalars,
    transition_form,
    with_argument_choices,
)

bp = Blueprint("consent_pages", __name__, template_folder="templates")


@bp.route("/residents/<uuid:resident_id>/consents/new", methods=["GET", "POST"])
@require(Permission.CONSENTS_CREATE)
def new(resident_id: uuid.UUID) -> Any:
    resident = resident_in_scope(current_user, resident_id)
    form = ConsentForm()
    context = {"resident": resident, "form": form, "notice_version": notice_version()}
    if not form.is_submitted():
        return render_template("consent/new.html", **context)
    answer = "refuse" if request.form.get("answer") == "refuse" else "give"
    valid = form.validate()
    if answer == "give":
        if not form.method.data or form.method.data == "None":
            form.method.errors = [*form.method.errors, str(REQUIRED)]
            valid = False
        if not form.notice_shown.data:
            form.notice_shown.errors = [_("Show the privacy notice before recording consent.")]
            valid = False
    data = None
    if valid:
        data = apply_schema(form, ConsentCreateSchema(), {
            "purpose": form.purpose.data,
            "recipient_organization_id": int(form.recipient_organization_id.data),
            "data_categories": form.data_categories.data,
            "valid_until": end_of_day(form.valid_until.data),
        })
    try:
        refuse_anonymised_resident(resident)
    except Refused as refused:
        show_refusal(refused, form)
        data = None
    if data is None:
        return render_template("consent/new.html", **context), 422
    arguments = ({"method": form.method.data, "notice_version": notice_version()}
                 if answer == "give" else {})
    try:
        with transition_errors():
            consent = request_consent(current_user, resident.id, data)
            fire_consent(consent, answer, current_user, arguments)
    except Refused as refused:  # the recipient, or the answer recorded with the request
        show_refusal(refused, form)
        return render_template("consent/new.html", **context), 422
    flash(_("Consent recorded: %(state)s.", state=label(consent.state, "consent_state")))
    return redirect(url_for("residents_pages.resident", resident_id=resident.id))


def render_consent_page(consent: Consent, *, failed: TransitionForm | None = None,
                        outcome: TransitionOutcome | None = None, status: int = 200) -> Any:
    seen = latest_seq()
    forms = {trigger: transition_form(consent, trigger, seen, notice_version=notice_version())
             for trigger in triggers_for(consent, current_user)}
    if failed is not None and consent.workflow.get(failed.trigger.data or ""):
        forms[failed.trigger.data] = failed
    handovers = list(db.session.execute(
        select(Handover).where(Handover.consent_id == consent.id).order_by(Handover.created_at)
    ).scalars()) if current_user.can(Permission.HANDOVERS_READ) else []
    matches = list(db.session.execute(
        matches_query(current_user)
        .where((Match.offering_consent_id == consent.id) | (Match.seeking_consent_id == consent.id))
        .order_by(Match.created_at)
    ).scalars()) if current_user.can(Permission.MATCHES_READ) else []
    return render_template(
        "consent/consent.html", consent=consent, forms=forms, outcome=outcome,
        history=consent_history(consent), handovers=handovers, matches=matches,
        recipient_name=recipient_resident_name(current_user, consent),
        valid=consent.is_valid_at(utcnow()),
    ), status


def recipient_resident_name(user: Any, consent: Consent) -> str | None:
    """The name of a recipient resident, for a coach of that resident; None otherwise."""
    if consent.recipient_resident_id is None:
        return None
    return db.session.execute(
        residents_query(user).with_only_columns(Resident.display_name)
        .where(Resident.id == consent.recipient_resident_id)
    ).scalar_one_or_none()


@bp.route("/consents/<uuid:consent_id>")
@require(Permission.CONSENTS_READ)
def consent(consent_id: uuid.UUID) -> Any:
    return render_consent_page(consent_in_scope(current_user, consent_id))


@bp.route("/consents/<uuid:consent_id>/transitions", methods=["POST"])
@require(Permission.CONSENTS_TRANSITION)
def transition(consent_id: uuid.UUID) -> Any:
    consent = consent_in_scope(current_user, consent_id)
    form = with_argument_choices(TransitionForm(), consent)
    outcome = run_transition(
        consent, form,
        lambda arguments: fire_consent(consent, form.trigger.data, current_user, arguments))
    if outcome.done:
        flash(_("Consent: %(state)s.", state=label(consent.state, "consent_state")))
        return redirect(url_for("consent_pages.consent", consent_id=consent.id))
    return render_consent_page(consent, failed=form, outcome=outcome,
                               status=outcome.http_status)


def _register_query(filters: ConsentFilterForm) -> Any:
    query = consents_query(current_user)
    if state := filters.value("state"):
        query = query.where(Consent.state == state)
    if purpose := filters.value("purpose"):
        query = query.where(Consent.purpose == purpose)
    organization = filters.value("organization")
    if organization and organization in {value for value, _label in filters.organization.choices}:
        query = query.where(Consent.recipient_organization_id == int(organization))
    return query.order_by(desc(Consent.created_at), Consent.id)


@bp.route("/privacy/consents")
@require(Permission.AUDIT_READ)
def register() -> Any:
    filters = ConsentFilterForm()
    filters.validate()
    page = paginate(_register_query(filters))
    return render_template("consent/register.html", page=page, filters=filters)


@bp.route("/privacy/consents.csv")
@require(Permission.AUDIT_READ)
def register_csv() -> Any:
    filters = ConsentFilterForm()
    filters.validate()
    record_log_export(current_user, "consents", {
        name: filters.value(name) for name in ("state", "purpose", "organization")
        if filters.value(name)})
    header = ["id", "resident_id", "purpose", "recipient_organization_id",
              "recipient_organization", "data_categories", "state", "valid_from",
              "valid_until", "method", "notice_version", "given_at", "ended_at",
              "recipient_resident_id"]
    rows = ([c.id, c.resident_id, c.purpose, c.recipient_organization_id,
             c.recipient_organization.name if c.recipient_organization else "",
             c.data_categories, c.state, c.valid_from, c.valid_until, c.method,
             c.notice_version, c.given_at, c.ended_at, c.recipient_resident_id]
            for c in stream_scalars(_register_query(filters)))
    return csv_response("consent-register.csv", header, rows)
