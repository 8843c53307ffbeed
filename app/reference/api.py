"""The workflows and the privacy policy, published from their one source of truth."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import fields, validate

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.validation import InputSchema
from policies import describe_rules
from workflows import WORKFLOWS, describe, to_mermaid

blp = api_blueprint("reference", __name__, "", "Workflow definitions and sharing policy")


class FormatSchema(InputSchema):
    format = fields.String(validate=validate.OneOf(["json", "mermaid"]), load_default="json")


@blp.route("/workflows")
@require(Permission.WORKFLOWS_READ)
@blp.response(200, description="Every workflow: states, triggers, guards, roles")
def list_workflows() -> Any:
    """All workflows as data."""
    return [describe(workflow) for workflow in WORKFLOWS.values()]


@blp.route("/workflows/<name>")
@require(Permission.WORKFLOWS_READ)
@blp.arguments(FormatSchema, location="query")
@blp.response(200, description="The workflow as data, or `?format=mermaid` for a diagram")
@blp.alt_response(404, description="Unknown workflow")
def get_workflow(args: dict[str, Any], name: str) -> Any:
    """One workflow; `?format=mermaid` returns a Mermaid state diagram (text/plain)."""
    workflow = WORKFLOWS.get(name)
    if workflow is None:
        abort(404, message=_("Unknown workflow."))
    if args["format"] == "mermaid":
        return Response(to_mermaid(workflow), mimetype="text/plain")
    return describe(workflow)


@blp.route("/policies")
@require(Permission.POLICIES_READ)
@blp.response(200, description="Processing register, data categories and sharing rules")
def policies() -> Any:
    """The processing register (Art. 30), data categories and the sharing rules."""
    return describe_rules()
