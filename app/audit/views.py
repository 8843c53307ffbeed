"""The privacy officer's pages: the processing log and the audit log (filters, pages, CSV),
verifying the hash chains, and the review queue of safety disclosures."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.audit import chain, checkpoints
from app.audit.api import audit_events_query, processing_log_query
from app.audit.forms import AuditEventFilter, ConcludeReviewForm, ProcessingLogFilter
from app.audit.grouping import GROUP_WINDOW, event_key, group_rows, processing_key
from app.audit.logs import CHAINED_LOGS
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.audit.operations import record_log_export
from app.audit.schemas import ReviewConcludeSchema
from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.db import db
from app.errors import Refused
from app.handovers.models import SafetyDisclosure
from app.handovers.operations import conclude_review
from app.organizations.models import Organization
from app.web.formkit import apply_schema
from app.web.pages import csv_response, paginate, show_refusal, stream_log
from policies import ReviewStatus

bp = Blueprint("audit_pages", __name__, template_folder="templates")

PROCESSING_COLUMNS = ("seq", "occurred_at", "action", "processing_activity", "legal_basis",
                      "decision", "data_subject_id", "categories", "consent_id",
                      "safety_disclosure_id", "actor_id", "actor_role", "actor_organization_id",
                      "recipient_organization_id", "object_type", "object_id",
                      "confidentiality", "retention_days", "reasons", "request_id", "hash")
EVENT_COLUMNS = ("seq", "occurred_at", "event_type", "actor_id", "actor_role", "object_type",
                 "object_id", "trigger", "from_state", "to_state", "details", "request_id",
                 "hash")


def _organizations() -> dict[int, str]:
    return dict(db.session.execute(select(Organization.id, Organization.name)).all())


def _exported(log: str, filters: dict[str, Any]) -> None:
    record_log_export(current_user, log, {k: str(v) for k, v in filters.items()})


@bp.route("/privacy/processing-log")
@require(Permission.AUDIT_READ)
def processing_log() -> Any:
    filters = ProcessingLogFilter()
    filters.validate()
    page = paginate(processing_log_query(filters.query_args()))
    return render_template("audit/processing_log.html", page=page, filters=filters,
                           organizations=_organizations(),
                           groups=group_rows(page.items, processing_key),
                           window=int(GROUP_WINDOW.total_seconds() // 60))


@bp.route("/privacy/processing-log.csv")
@require(Permission.AUDIT_READ)
def processing_log_csv() -> Any:
    filters = ProcessingLogFilter()
    filters.validate()
    args = filters.query_args()
    _exported("processing_log", args)
    rows = ([getattr(entry, name) for name in PROCESSING_COLUMNS]
            for entry in stream_log(processing_log_query(args), ProcessingLogEntry.seq))
    return csv_response("processing-log.csv", PROCESSING_COLUMNS, rows)


@bp.route("/privacy/audit-events")
@require(Permission.AUDIT_READ)
def events() -> Any:
    filters = AuditEventFilter()
    filters.validate()
    page = paginate(audit_events_query(filters.query_args()))
    return render_template("audit/events.html", page=page, filters=filters,
                           groups=group_rows(page.items, event_key),
                           window=int(GROUP_WINDOW.total_seconds() // 60))


@bp.route("/privacy/audit-events.csv")
@require(Permission.AUDIT_READ)
def events_csv() -> Any:
    filters = AuditEventFilter()
    filters.validate()
    args = filters.query_args()
    _exported("audit_events", args)
    rows = ([getattr(event, name) for name in EVENT_COLUMNS]
            for event in stream_log(audit_events_query(args), AuditEvent.seq))
    return csv_response("audit-events.csv", EVENT_COLUMNS, rows)


@bp.route("/privacy/verify", methods=["GET", "POST"])
@require(Permission.AUDIT_READ)
def verify() -> Any:
    results = report = None
    if request.method == "POST" and FlaskForm().validate_on_submit():
        results = [chain.verify(model) for model in CHAINED_LOGS]
        report = checkpoints.configured_report(current_app.config)
    latest = (report.latest if report is not None and report.latest is not None
              else checkpoints.latest_configured(current_app.config))
    return render_template(
        "audit/verify.html", results=results, checkpoint_report=report,
        latest_checkpoints=latest, checkpoints_configured=bool(current_app.config["CHECKPOINTS"]),
        intact=results is not None and all(r.valid for r in results)
        and (report is None or report.valid))


def _render_reviews(status: str, failed: tuple[uuid.UUID, ConcludeReviewForm] | None = None,
                    code: int = 200) -> Any:
    query = select(SafetyDisclosure).where(SafetyDisclosure.review_status == status)
    page = paginate(query.order_by(SafetyDisclosure.created_at, SafetyDisclosure.id))
    forms = {d.id: ConcludeReviewForm(formdata=None) for d in page.items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("audit/reviews.html", page=page, status=status, forms=forms,
                           statuses=[s.value for s in ReviewStatus]), code


@bp.route("/privacy/reviews")
@require(Permission.AUDIT_REVIEW)
def reviews() -> Any:
    status = request.args.get("status", "pending")
    if status not in {s.value for s in ReviewStatus}:
        status = "pending"
    return _render_reviews(status)


@bp.route("/privacy/reviews/<uuid:disclosure_id>", methods=["POST"])
@require(Permission.AUDIT_REVIEW)
def conclude(disclosure_id: uuid.UUID) -> Any:
    disclosure = db.session.get(SafetyDisclosure, disclosure_id)
    if disclosure is None:
        not_found()
    form = ConcludeReviewForm()
    data = None
    if form.validate_on_submit():
        data = apply_schema(form, ReviewConcludeSchema(), {
            "justified": form.justified.data == "yes", "finding": form.finding.data})
    if data is None:
        return _render_reviews("pending", (disclosure.id, form), 422)
    try:
        conclude_review(current_user, disclosure, data["finding"], data["justified"])
    except Refused as refused:
        show_refusal(refused, form)
        return _render_reviews("pending", (disclosure.id, form), 422)
    flash(_("Review concluded."))
    return redirect(url_for("audit_pages.reviews"))
