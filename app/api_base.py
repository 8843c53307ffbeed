"""The flask-smorest Api with Buurtpad's single error shape.

Every error, from any layer, is `{"code", "status", "message", "errors"}`.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

ERROR_RESPONSES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed for this role",
    404: "Not found (or outside the caller's scope)",
    409: "Stale version: the object changed since it was read",
    413: "Payload too large",
    422: "Invalid input, a trigger not allowed in the current state, or a failed guard",
    429: "Too many attempts",
}


def error_body(code: int, status: str, message: str, errors: Any = None) -> dict[str, Any]:
    return {"code": code, "status": status, "message": message, "errors": errors or {}}


def _message_for(error: HTTPException, data: dict[str, Any]) -> str:
    if data.get("message"):
        return str(data["message"])
    if error.code == 422:
        return _("The input is not valid. See errors for the fields concerned.")
    return error.description or error.name


class BuurtpadApi(Api):
    def handle_http_exception(self, error: HTTPException) -> Any:
        if not request.path.startswith("/api"):
            from app.web.errors import render_error_page

            return render_error_page(error)
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if isinstance(messages, dict):
            # webargs nests errors by location; json bodies are what clients send.
            errors = messages.get("json", messages) if len(messages) == 1 else messages
        else:
            errors = data.get("errors") or {}
        code = error.code or 500
        body = error_body(code, error.name, _message_for(error, data), errors)
        response = jsonify(body)
        headers = data.get("headers") or {}
        for key, value in headers.items():
            response.headers[key] = value
        if error.code == 405 and hasattr(error, "valid_methods"):
            response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response, code


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    return Blueprint(name, import_name, url_prefix=f"/api/v1{url_prefix}", description=description)
