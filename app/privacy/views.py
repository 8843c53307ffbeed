"""Data subject requests, for the privacy officer: find the resident, export everything held
on them (GDPR Art. 15) and erase on request (Art. 17) — through the same operations as the
API, so both are logged the same way."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import String, cast, func, or_, select

from app.audit.models import ProcessingLogEntry
from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.cases.models import Case
from app.consent.gateway import disclose
from app.consent.models import Consent
from app.db import contains_text, db
from app.privacy.access import access_report
from app.privacy.forms import ErasureForm, ResidentSearchForm
from app.privacy.operations import LegalHold, erase, export, legal_hold
from app.residents.models import Resident
from app.residents.scope import resident_for_privacy_officer
from app.unit_of_work import discard_changes
from app.visits.models import Visit
from policies import Action

bp = Blueprint("privacy_pages", __name__, template_folder="templates")

SEARCH_LIMIT = 25


def _search(text: str) -> list[Resident]:
    text = text.strip()
    try:
        return [r for r in [db.session.get(Resident, uuid.UUID(text))] if r is not None]
    except ValueError:
        pass
    return list(db.session.execute(
        select(Resident).join(Dwelling)
        .where(or_(contains_text(Resident.display_name, text),
                   contains_text(Dwelling.street + " " + cast(Dwelling.number, String), text)))
        .order_by(Resident.display_name).limit(SEARCH_LIMIT)
    ).scalars())


@bp.route("/privacy/residents", methods=["GET", "POST"])
@require(Permission.RESIDENTS_EXPORT)
def residents() -> Any:
    """A search by POST: names never travel in a URL."""
    form = ResidentSearchForm()
    results = None
    status = 200
    if form.validate_on_submit():
        results = _search(form.query.data)
        for found in results:
            _log_identification(found)
    elif form.is_submitted():
        status = 422
    return render_template("privacy/residents.html", form=form, results=results), status


def _log_identification(resident: Resident) -> None:
    """Showing a resident's name and address to the privacy officer is processing too."""
    disclose(actor=current_user, action=Action.IDENTIFY_REQUESTER, resident_id=resident.id,
             recipient_organization_id=None, purpose="data_subject_request",
             categories=["identity", "contact"])


def _count(query: Any) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def _render_resident(resident: Resident, form: ErasureForm | None = None,
                     status: int = 200, template: str = "privacy/resident.html") -> Any:
    _log_identification(resident)
    counts = {
        "visits": _count(select(Visit.id).where(Visit.resident_id == resident.id)),
        "cases": _count(select(Case.id).where(Case.resident_id == resident.id)),
        "consents": _count(select(Consent.id).where(Consent.resident_id == resident.id)),
        "log": _count(select(ProcessingLogEntry.seq)
                      .where(ProcessingLogEntry.data_subject_id == str(resident.id))),
    }
    return render_template(template, resident=resident, counts=counts,
                           hold=legal_hold(resident) if resident.anonymised_at is None else None,
                           form=form or ErasureForm(formdata=None)), status


@bp.route("/privacy/residents/<uuid:resident_id>")
@require(Permission.RESIDENTS_EXPORT)
def resident(resident_id: uuid.UUID) -> Any:
    return _render_resident(resident_for_privacy_officer(current_user, resident_id))


@bp.route("/privacy/residents/<uuid:resident_id>/export", methods=["POST"])
@require(Permission.RESIDENTS_EXPORT)
def export_download(resident_id: uuid.UUID) -> Any:
    resident = resident_for_privacy_officer(current_user, resident_id)
    if not FlaskForm().validate_on_submit():
        return _render_resident(resident, status=400)
    data = export(current_user, resident)
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="inzage-{resident.id}.json"')
    return response


@bp.route("/privacy/residents/<uuid:resident_id>/inzage")
@require(Permission.RESIDENTS_EXPORT)
def inzage(resident_id: uuid.UUID) -> Any:
    """The access report to print and hand to the resident: everything the JSON export
    holds, in plain Dutch. Showing it is logged like the export."""
    resident = resident_for_privacy_officer(current_user, resident_id)
    report = access_report(current_user, resident)
    return render_template("privacy/inzage.html", resident=resident, report=report)


@bp.route("/privacy/residents/<uuid:resident_id>/erasure", methods=["GET", "POST"])
@require(Permission.RESIDENTS_ERASE)
def erasure(resident_id: uuid.UUID) -> Any:
    resident = resident_for_privacy_officer(current_user, resident_id)
    template = "privacy/erase.html"
    form = ErasureForm()
    if not form.is_submitted():
        return _render_resident(resident, ErasureForm(formdata=None), template=template)
    if not form.validate():
        return _render_resident(resident, form, 422, template)
    try:
        erase(current_user, resident)
    except LegalHold as hold:
        discard_changes()
        form.form_errors.append(hold.message)
        return _render_resident(resident, form, 422, template)
    flash(_("The resident has been anonymised everywhere. The logs are kept; they hold no "
            "names."))
    return redirect(url_for("privacy_pages.resident", resident_id=resident.id))
