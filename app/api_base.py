"""The flask-smorest Api with Buurtpad's single error shape.

Every error, from any layer, is `{"code", "status", "message", "errors"}`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, NoReturn

from apispec import BasePlugin
from flask import current_app, g, jsonify, make_response, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from webargs.core import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import (
    HTTPException,
    ServiceUnavailable,
    UnprocessableEntity,
    default_exceptions,
)

from app.db import db
from app.errors import Refused
from app.input_rules import MAX_JSON_DEPTH, JSONTooDeep, loads, unstorable_fields
from app.validation import BSN_MESSAGE

ERROR_RESPONSES = {
    400: f"Bad request: malformed JSON, or JSON nested more than {MAX_JSON_DEPTH} levels deep",
    401: "Not authenticated",
    403: "Not allowed for this role",
    404: "Not found (or outside the caller's scope)",
    409: "Stale version: the object changed since it was read",
    413: "Payload too large",
    422: "Invalid input, a trigger not allowed in the current state, or a failed guard",
    429: "Too many attempts",
    503: "The database is unavailable for a moment; retry after the seconds in Retry-After",
}

# How long a client should wait before retrying when the database is unreachable.
RETRY_AFTER_SECONDS = 2


def error_body(code: int, status: str, message: str, errors: Any = None) -> dict[str, Any]:
    return {"code": code, "status": status, "message": message, "errors": errors or {}}


def _message_for(error: HTTPException, data: dict[str, Any]) -> str:
    if data.get("message"):
        return str(data["message"])
    if error.code == 422:
        return _("The input is not valid. See errors for the fields concerned.")
    return error.description or error.name


class StandardErrorsPlugin(BasePlugin):
    """Documents the errors every layer may answer, so no operation relies on `default`:
    401 and 422 everywhere; 403 where a permission is required; 404 where the path names an
    object; 400 (malformed or too deeply nested JSON) and 413 (too large) where a body is
    read; 503 everywhere, for the seconds the database is unreachable."""

    def __init__(self, api: BuurtpadApi) -> None:
        self.api = api

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        app = getattr(self.api, "_app", None)
        view = app.view_functions.get(rule.endpoint) if rule is not None and app else None
        for operation in (operations or {}).values():
            codes = [401, 422, 503]
            if getattr(view, "required_permission", None) is not None:
                codes.append(403)
            if rule is not None and rule.arguments:
                codes.append(404)
            if "requestBody" in operation:
                codes += [400, 413]
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses and str(code) not in responses:
                    responses[code] = {
                        "description": ERROR_RESPONSES[code],
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Error"}}},
                    }


class BuurtpadApi(Api):
    # How an error outside /api is answered: the pages set their error page here, in
    # `create_app`; without it every error is answered in the API's shape.
    render_error_page: Callable[[HTTPException], Any] | None = None

    def _init_spec(self, *, extra_plugins: Any = None, **kwargs: Any) -> None:
        plugins = [*(extra_plugins or ()), StandardErrorsPlugin(self)]
        super()._init_spec(extra_plugins=plugins, **kwargs)

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not request.path.startswith("/api") and self.render_error_page is not None:
            return self.render_error_page(error)
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if isinstance(messages, dict):
            # webargs nests errors by location; json bodies are what clients send.
            errors = messages.get("json", messages) if len(messages) == 1 else messages
        else:
            errors = data.get("errors") or {}
        if not isinstance(errors, dict):
            # e.g. webargs' ["Invalid JSON body."]: errors is always an object.
            errors = {"_schema": errors if isinstance(errors, list) else [str(errors)]}
        code = error.code or 500
        body = error_body(code, error.name, _message_for(error, data), errors)
        response = jsonify(body)
        headers = data.get("headers") or {}
        for key, value in headers.items():
            response.headers[key] = value
        if error.code == 405 and hasattr(error, "valid_methods"):
            response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response, code

    def answer_database_unavailable(self, error: OperationalError) -> Any:
        """The database went away (restart, failover, lost connection) or is busy: answer 503
        with Retry-After instead of 500. Nothing of the request was committed; the pool's
        pre-ping replaces the broken connections on the next request."""
        # The class and SQLSTATE say what happened (lost connection, deadlock, lock timeout);
        # the message and the statement's values are left out: they may hold personal data.
        current_app.logger.warning("database unavailable: %s (sqlstate %s) on %s %s",
                                   type(error.orig).__name__,
                                   getattr(error.orig, "sqlstate", None), request.method,
                                   request.url_rule.rule if request.url_rule else "?")

        # When the connection is gone the rollback fails too; the session is discarded at
        # teardown.
        with suppress(SQLAlchemyError):
            db.session.rollback()
        if "_login_user" not in g:
            # The error page must not ask the database who is logged in.
            g._login_user = current_app.login_manager.anonymous_user()
        unavailable = ServiceUnavailable(
            _("The database cannot be reached for a moment. Try again in a few seconds."))
        response = make_response(self.handle_http_exception(unavailable))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def answer_bsn_refused(self, _error: Exception) -> Any:
        """A BSN that slipped past the input types was stopped before a log could keep it: 422
        in the one error shape (a page for the pages), and nothing of the request is
        committed."""
        db.session.rollback()
        return self.handle_http_exception(UnprocessableEntity(str(BSN_MESSAGE)))

    def answer_refused(self, refused: Refused) -> Any:
        """An operation's refusal in the one error shape: its status, its message and its
        `errors` (a page for the pages, where a view did not show it on a form). Nothing of
        the request is committed."""
        db.session.rollback()
        error = default_exceptions[refused.status]()
        # The shape flask-smorest's `abort` gives an HTTP error: one handler answers both.
        error.data = {"message": refused.message,  # type: ignore[attr-defined]
                      "errors": refused.errors}
        return self.handle_http_exception(error)


class InputParser(FlaskParser):
    """The rules of `app.input_rules` for the API: a JSON body nested too deeply is malformed
    (400); text no database can store (NUL, a lone surrogate) is invalid input (422), named
    per field, wherever it is sent — the driver would raise instead of the API answering."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return missing
        return loads(req.get_data(cache=True).decode("utf-8"))

    def _handle_invalid_json_error(self, error: Any, req: Any, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        if isinstance(error, JSONTooDeep):
            abort(400, exc=error, messages={"json": [
                _("The JSON body is nested more than %(depth)d levels deep.",
                  depth=MAX_JSON_DEPTH)]})
        super()._handle_invalid_json_error(error, req, *args, **kwargs)

    def _load_location_data(self, *, schema: Any, req: Any, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if errors := unstorable_fields(data):
            raise ValidationError(errors)
        return data


class BuurtpadBlueprint(Blueprint):
    ARGUMENTS_PARSER = InputParser()


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    return BuurtpadBlueprint(name, import_name, url_prefix=f"/api/v1{url_prefix}",
                             description=description)
