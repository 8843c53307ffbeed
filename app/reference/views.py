"""Each workflow as a page: its Mermaid diagram text and a readable table of transitions,
both generated from the one definition in `workflows/`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from workflows import WORKFLOWS, describe, to_mermaid

bp = Blueprint("reference_pages", __name__, template_folder="templates")

SHOWN = ("case", "handover", "consent")


@bp.route("/workflows")
@require(Permission.WORKFLOWS_READ)
def workflows() -> Any:
    return render_template("reference/workflows.html",
                           workflows=[describe(WORKFLOWS[name]) for name in SHOWN])


@bp.route("/workflows/<name>")
@require(Permission.WORKFLOWS_READ)
def workflow(name: str) -> Any:
    if name not in SHOWN:
        not_found()
    definition = WORKFLOWS[name]
    return render_template("reference/workflow.html", workflow=describe(definition),
                           mermaid=to_mermaid(definition))
