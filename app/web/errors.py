from __future__ import annotations

from typing import Any

from flask import render_template
from werkzeug.exceptions import HTTPException


def render_error_page(error: HTTPException) -> Any:
    code = error.code or 500
    return render_template("web/error.html", code=code, name=error.name), code
