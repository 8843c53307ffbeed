"""The sociale kaart over the API: everyone reads the services a handover may name; the
coordinator imports and exports the directory in HSDS 3.0 and records which identifiers
(KvK numbers, …) belong to which Buurtpad organisation."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.db import db
from app.directory import hsds
from app.directory.operations import (
    export_document,
    identifiers_of,
    identifiers_taken_elsewhere,
    import_document,
    services_query,
    set_identifiers,
)
from app.directory.reading import service_summary
from app.directory.schemas import (
    HsdsDocumentSchema,
    HsdsExportSchema,
    IdentifierSchema,
    IdentifiersInputSchema,
    ImportQuerySchema,
    ImportReportSchema,
    ServiceSchema,
    ServicesQuerySchema,
)
from app.organizations.models import Organization
from app.pagination import paginate
from app.unit_of_work import discard_changes

blp = api_blueprint("directory", __name__, "/directory",
                    "The sociale kaart: partner services (HSDS 3.0)")


@blp.route("/services")
@require(Permission.DIRECTORY_READ)
@blp.arguments(ServicesQuerySchema, location="query")
@blp.response(200, ServiceSchema(many=True))
@blp.paginate()
def list_services(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Services of partner organisations linked to a Buurtpad organisation, with where they
    are offered: what a handover's `service_id` and `location_id` may name. Filter
    `organization_id`."""
    page = paginate(services_query(args.get("organization_id")), pagination_parameters)
    return [service_summary(service) for service in page]


@blp.route("/export")
@require(Permission.DIRECTORY_MANAGE)
@blp.response(200, HsdsExportSchema)
def export() -> Any:
    """The whole directory as HSDS 3.0 tabular JSON (importable again)."""
    return export_document()


@blp.route("/import", methods=["POST"])
@require(Permission.DIRECTORY_MANAGE)
@blp.arguments(ImportQuerySchema, location="query")
@blp.arguments(HsdsDocumentSchema)
@blp.response(200, ImportReportSchema)
@blp.alt_response(422, description="Not an HSDS document (each record is reported on its own)")
def import_directory(args: dict[str, Any], document: dict[str, Any]) -> Any:
    """Import an HSDS 3.0 document: organisations, their identifiers, services, locations,
    addresses and where each service is offered. Records are added or updated by their HSDS
    id, never removed. Each record is reported: imported, updated, or skipped and why (a
    record whose parent was skipped is skipped too). One transaction: `dry_run` stores
    nothing, `strict` stores nothing when any record is skipped. Partner organisations are
    linked to Buurtpad's by identifier."""
    try:
        report = import_document(current_user, document)
    except hsds.NotAnHsdsDocument as error:
        abort(422, message=str(error))
    if args["dry_run"] or (args["strict"] and report.skipped):
        discard_changes()  # answered, but nothing stored
    else:
        report.committed = True
    return report.as_dict()


@blp.route("/organizations/<int:organization_id>/identifiers", methods=["PUT"])
@require(Permission.DIRECTORY_MANAGE)
@blp.arguments(IdentifiersInputSchema)
@blp.response(200, IdentifierSchema(many=True))
@blp.alt_response(404, description="Unknown organisation")
@blp.alt_response(409, description="An identifier already belongs to another organisation")
def put_identifiers(data: dict[str, Any], organization_id: int) -> Any:
    """Replace the identifiers of a Buurtpad organisation (scheme and identifier, as HSDS
    names them: NL-KVK and a KvK number, say); partner organisations in the directory that
    carry one are linked to it."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404, message=_("Not found."))
    wanted = {(item["scheme"], item["identifier"]) for item in data["identifiers"]}
    taken = identifiers_taken_elsewhere(wanted, organization_id)
    if taken:
        abort(409, message=_("This identifier belongs to another organisation: %(identifier)s.",
                             identifier=" ".join(taken[0])))
    set_identifiers(current_user, organization, data["identifiers"])
    return identifiers_of(organization_id)

