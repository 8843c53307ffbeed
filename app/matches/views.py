"""Connection pages: suggestions per building with a button to propose one, the coach's
matches by state, and one match with both residents' consents (recorded here), its next
steps and — only while both consents allow it — the contact card."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import desc, or_
from wtforms import HiddenField

from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.buildings.scope import buildings_query
from app.consent.forms import notice_version
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from app.lifecycle.firing import triggers_for
from app.matches.models import Match
from app.matches.operations import (
    MatchNotAllowed,
    contact_card,
    count_suggestions,
    fire_match,
    propose_match,
    suggest_matches,
    with_residents,
)
from app.matches.schemas import MatchCreateSchema
from app.matches.scope import match_in_scope, matches_query
from app.residents.models import Resident
from app.residents.scope import resident_in_scope
from app.unit_of_work import discard_changes
from app.web.formkit import Form, TransitionForm, apply_schema
from app.web.labels import label
from app.web.pages import (
    PER_PAGE,
    Page,
    TransitionOutcome,
    latest_seq,
    page_number,
    paginate,
    run_transition,
    transition_form,
    with_argument_choices,
)
from workflows.match import MATCH_STATES

bp = Blueprint("matches_pages", __name__, template_folder="templates")

PATH = ("proposed", "agreed", "met")
CONSENT_TRIGGERS = ("give", "refuse")  # recorded from the match page; the rest on its own page
# The residents' answers belong to a proposal: a connection that went ahead or ended asks none.
ASKING_STATE = "proposed"


class ProposeForm(Form):
    offering_resident_id = HiddenField()
    seeking_resident_id = HiddenField()
    offer = HiddenField()


def _resident_filter() -> Resident | None:
    """`?resident=<id>`: the matches of one resident of the coach's buildings."""
    value = request.args.get("resident", "")
    return resident_in_scope(current_user, value) if value else None


@bp.route("/matches")
@require(Permission.MATCHES_READ)
def matches() -> Any:
    state = request.args.get("state", "")
    if state not in MATCH_STATES:
        state = ""
    resident = _resident_filter()
    query = with_residents(matches_query(current_user))
    if state:
        query = query.where(Match.state == state)
    if resident is not None:
        query = query.where(or_(Match.offering_resident_id == resident.id,
                                Match.seeking_resident_id == resident.id))
    page = paginate(query.order_by(desc(Match.created_at), Match.id))
    return render_template("matches/matches.html", page=page, state=state, states=MATCH_STATES,
                           resident=resident)


@bp.route("/matches/suggestions")
@require(Permission.MATCHES_READ)
def suggestions() -> Any:
    buildings = list(db.session.execute(buildings_query(current_user)).scalars())
    building = None
    chosen = request.args.get("building", type=int)
    if chosen is not None:
        building = next((b for b in buildings if b.id == chosen), None)
        if building is None:
            not_found()
    building_id = building.id if building is not None else None
    number = page_number()
    total = count_suggestions(current_user, building_id)
    items = suggest_matches(current_user, building_id, offset=(number - 1) * PER_PAGE,
                            limit=PER_PAGE) if (number - 1) * PER_PAGE < total else []
    return render_template("matches/suggestions.html", buildings=buildings, building=building,
                           page=Page(items, number, PER_PAGE, total), form=ProposeForm())


@bp.route("/matches", methods=["POST"])
@require(Permission.MATCHES_CREATE)
def propose() -> Any:
    form = ProposeForm()
    data = apply_schema(form, MatchCreateSchema(), {
        "offering_resident_id": form.offering_resident_id.data,
        "seeking_resident_id": form.seeking_resident_id.data,
        "offer": form.offer.data,
    }) if form.validate() else None
    if data is None:
        discard_changes()
        flash(_("This connection could not be proposed: %(reason)s",
                reason=" ".join(_messages(form)) or _("reload the page.")))
        return redirect(url_for("matches_pages.suggestions"))
    offering = resident_in_scope(current_user, data["offering_resident_id"])
    seeking = resident_in_scope(current_user, data["seeking_resident_id"])
    try:
        match = propose_match(current_user, offering, seeking, data["offer"])
    except MatchNotAllowed as refused:
        discard_changes()
        flash(_("This connection could not be proposed: %(reason)s", reason=refused.message))
        return redirect(url_for("matches_pages.suggestions"))
    flash(_("Connection proposed. Ask both residents for their consent."))
    return redirect(url_for("matches_pages.match", match_id=match.id))


def _messages(form: FlaskForm) -> list[str]:
    return [*form.form_errors, *(m for errors in form.errors.values() if isinstance(errors, list)
                                 for m in errors)]


def render_match_page(match: Match, *, failed: TransitionForm | None = None,
                      failed_consent: Consent | None = None,
                      outcome: TransitionOutcome | None = None, status: int = 200) -> Any:
    seen = latest_seq()
    forms = {trigger: transition_form(match, trigger, seen)
             for trigger in triggers_for(match, current_user)}
    if failed is not None and failed_consent is None and match.workflow.get(
            failed.trigger.data or ""):
        forms[failed.trigger.data] = failed
    sides = []
    for side, resident, consent in (("offering", match.offering_resident, match.offering_consent),
                                    ("seeking", match.seeking_resident, match.seeking_consent)):
        consent_forms = {
            trigger: transition_form(consent, trigger, seen, notice_version=notice_version())
            for trigger in triggers_for(consent, current_user) if trigger in CONSENT_TRIGGERS
        } if match.state == ASKING_STATE else {}
        if failed is not None and failed_consent is not None and failed_consent.id == consent.id \
                and failed.trigger.data in consent_forms:
            consent_forms[failed.trigger.data] = failed
        sides.append({"side": side, "resident": resident, "consent": consent,
                      "valid": consent.is_valid_at(utcnow()),
                      "forms": consent_forms})
    page = render_template("matches/match.html", match=match, forms=forms, sides=sides,
                           outcome=outcome, card=contact_card(current_user, match), path=PATH,
                           outcome_kind="consent_state" if failed_consent else "match_state")
    return page, status


@bp.route("/matches/<uuid:match_id>")
@require(Permission.MATCHES_READ)
def match(match_id: uuid.UUID) -> Any:
    return render_match_page(match_in_scope(current_user, match_id))


@bp.route("/matches/<uuid:match_id>/transitions", methods=["POST"])
@require(Permission.MATCHES_TRANSITION)
def transition(match_id: uuid.UUID) -> Any:
    match = match_in_scope(current_user, match_id)
    form = with_argument_choices(TransitionForm(), match)
    outcome = run_transition(
        match, form,
        lambda arguments: fire_match(match, form.trigger.data, current_user, arguments))
    if outcome.done:
        flash(_("Connection: %(state)s.", state=label(match.state, "match_state")))
        return redirect(url_for("matches_pages.match", match_id=match.id))
    return render_match_page(match, failed=form, outcome=outcome, status=outcome.http_status)


@bp.route("/matches/<uuid:match_id>/consents/<uuid:consent_id>/transitions", methods=["POST"])
@require(Permission.CONSENTS_TRANSITION)
def consent_transition(match_id: uuid.UUID, consent_id: uuid.UUID) -> Any:
    """Record a resident's answer (give or refuse) to the consent the match asked for."""
    match = match_in_scope(current_user, match_id)
    consent = next((c for c in (match.offering_consent, match.seeking_consent)
                    if c.id == consent_id), None)
    if consent is None:
        not_found()
    form = with_argument_choices(TransitionForm(), consent)

    def answer_only() -> str | None:
        if form.trigger.data not in CONSENT_TRIGGERS:
            return _("This action is not possible.")
        if match.state != ASKING_STATE:
            return _("This connection no longer waits for the residents' consent.")
        return None

    outcome = run_transition(
        consent, form,
        lambda arguments: fire_consent(consent, form.trigger.data, current_user, arguments),
        prepare=answer_only)
    if outcome.done:
        flash(_("Consent: %(state)s.", state=label(consent.state, "consent_state")))
        return redirect(url_for("matches_pages.match", match_id=match.id))
    db.session.expire_all()
    match = match_in_scope(current_user, match_id)
    return render_match_page(match, failed=form, failed_consent=consent, outcome=outcome,
                             status=outcome.http_status)

