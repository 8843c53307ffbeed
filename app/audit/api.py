from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import desc, select

from app.api_base import api_blueprint
from app.audit import chain, checkpoints, ldv
from app.audit.logs import CHAINED_LOGS
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.audit.operations import record_log_export
from app.audit.schemas import (
    AuditEventQuerySchema,
    AuditEventSchema,
    LdvExportSchema,
    LdvQuerySchema,
    ProcessingLogEntrySchema,
    ProcessingLogQuerySchema,
    ReviewConcludeSchema,
    ReviewQuerySchema,
    VerifySchema,
)
from app.auth.access import require
from app.auth.permissions import Permission
from app.db import db
from app.handovers.models import SafetyDisclosure
from app.handovers.operations import conclude_review
from app.handovers.schemas import SafetyDisclosureSchema
from app.pagination import paginate

blp = api_blueprint("audit", __name__, "/audit", "The privacy officer's logs and reviews")


def processing_log_query(args: dict[str, Any]) -> Any:
    query = select(ProcessingLogEntry)
    if "resident_id" in args:
        query = query.where(ProcessingLogEntry.data_subject_id == str(args["resident_id"]))
    if "action" in args:
        query = query.where(ProcessingLogEntry.action == args["action"])
    if "decision" in args:
        query = query.where(ProcessingLogEntry.decision == args["decision"])
    if "from_" in args:
        query = query.where(ProcessingLogEntry.occurred_at >= args["from_"])
    if "to" in args:
        query = query.where(ProcessingLogEntry.occurred_at < args["to"])
    return query.order_by(desc(ProcessingLogEntry.seq))


def audit_events_query(args: dict[str, Any]) -> Any:
    query = select(AuditEvent)
    for name in ("event_type", "object_type", "object_id", "actor_id"):
        if name in args:
            query = query.where(getattr(AuditEvent, name) == args[name])
    if "from_" in args:
        query = query.where(AuditEvent.occurred_at >= args["from_"])
    if "to" in args:
        query = query.where(AuditEvent.occurred_at < args["to"])
    return query.order_by(desc(AuditEvent.seq))


@blp.route("/processing-log")
@require(Permission.AUDIT_READ)
@blp.arguments(ProcessingLogQuerySchema, location="query")
@blp.response(200, ProcessingLogEntrySchema(many=True))
@blp.paginate()
def processing_log(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Who processed whose data, under which activity and basis; newest first.
    Filters: `resident_id`, `action`, `decision`, `from`, `to`."""
    return paginate(processing_log_query(args), pagination_parameters)


@blp.route("/processing-log/ldv")
@require(Permission.AUDIT_READ)
@blp.arguments(LdvQuerySchema, location="query")
@blp.response(200, LdvExportSchema, description="OTLP JSON, streamed")
def processing_log_ldv(args: dict[str, Any]) -> Any:
    """The processing log of a period (`from`, `to`) as Logboek Dataverwerkingen records:
    OTLP JSON, one span per entry, in log order, streamed. The data subject is a pseudonym
    (an HMAC of the resident id), the processing activity a URI into `GET /api/v1/policies`.
    The export itself is recorded in the audit log."""
    record_log_export(current_user, "processing_log", {k: str(v) for k, v in args.items()},
                      "ldv")
    chunks = ldv.export(args.get("from_"), args.get("to"), base_url=public_url(),
                        key=ldv.subject_key(current_app.config), bind=db.session.get_bind())
    response = Response(chunks, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="processing-log-ldv.json"'
    return response


def public_url() -> str:
    """Where this installation is published (PUBLIC_URL), else the host the request named."""
    return current_app.config.get("PUBLIC_URL") or request.host_url


@blp.route("/events")
@require(Permission.AUDIT_READ)
@blp.arguments(AuditEventQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate()
def audit_events(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Transitions, logins and administrative changes; newest first."""
    return paginate(audit_events_query(args), pagination_parameters)


@blp.route("/verify")
@require(Permission.AUDIT_READ)
@blp.response(200, VerifySchema)
def verify_logs() -> Any:
    """Recompute every log's hash chain; names the first broken entry. Where signed
    checkpoints are kept (BUURTPAD_CHECKPOINTS), also proves that the logs extend each one:
    `checkpoints` names those they no longer extend, and `valid` is false then too."""
    results = [chain.verify(model) for model in CHAINED_LOGS]
    report = checkpoints.configured_report(current_app.config)
    return {"valid": all(r.valid for r in results) and (report is None or report.valid),
            "logs": [r.as_dict() for r in results],
            "checkpoints": report.as_dict() if report is not None else None}


@blp.route("/reviews")
@require(Permission.AUDIT_REVIEW)
@blp.arguments(ReviewQuerySchema, location="query")
@blp.response(200, SafetyDisclosureSchema(many=True))
@blp.paginate()
def reviews(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Safety disclosures (shares without consent); by default those awaiting review."""
    query = select(SafetyDisclosure).where(SafetyDisclosure.review_status == args["status"])
    return paginate(query.order_by(SafetyDisclosure.created_at), pagination_parameters)


@blp.route("/reviews/<uuid:disclosure_id>", methods=["POST"])
@require(Permission.AUDIT_REVIEW)
@blp.arguments(ReviewConcludeSchema)
@blp.response(200, SafetyDisclosureSchema)
@blp.alt_response(404, description="Unknown safety disclosure")
@blp.alt_response(422, description="Already concluded, or invalid input")
def conclude(data: dict[str, Any], disclosure_id: uuid.UUID) -> Any:
    """Conclude a review with a finding; unjustified ends the professional's access at once."""
    disclosure = db.session.get(SafetyDisclosure, disclosure_id)
    if disclosure is None:
        abort(404, message=_("Not found."))
    conclude_review(current_user, disclosure, data["finding"], data["justified"])
    return disclosure


