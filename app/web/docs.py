"""Interactive API docs with Swagger UI served from the installed package (no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Blueprint, render_template, send_from_directory

bp = Blueprint(
    "docs", __name__, template_folder="templates", static_folder="static",
    static_url_path="/api/docs/assets",
)

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


@bp.route("/api/docs")
def docs() -> Any:
    return render_template("web/api_docs.html")


@bp.route("/api/docs/static/<path:filename>")
def swagger_asset(filename: str) -> Any:
    return send_from_directory(SWAGGER_DIR, filename, max_age=3600)
