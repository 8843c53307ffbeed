from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.operations import (
    InvalidCredentials,
    LoginThrottled,
    authenticate,
    issue_token,
    revoke_token,
)
from app.auth.permissions import Permission
from app.auth.schemas import TokenRequestSchema, TokenResponseSchema, UserSchema
from app.db import db

blp = api_blueprint("auth", __name__, "", "Authentication and the current user")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenResponseSchema)
@blp.alt_response(401, description="Bad credentials (same answer whether or not the email exists)")
@blp.alt_response(429, description="Too many failed attempts; see Retry-After")
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange email and password for a bearer token."""
    try:
        user = authenticate(data["email"], data["password"], request.remote_addr or "", "api")
    except LoginThrottled as throttled:
        db.session.commit()
        abort(
            429,
            message=_("Too many failed attempts. Try again in %(seconds)s seconds.",
                      seconds=throttled.retry_after),
            headers={"Retry-After": str(throttled.retry_after)},
        )
    except InvalidCredentials:
        db.session.commit()
        abort(401, message=_("Email address or password is incorrect."))
    raw, token = issue_token(user)
    return {"token": raw, "expires_at": token.expires_at, "user": user}


@blp.route("/auth/token", methods=["DELETE"])
@require(Permission.ME_READ)
@blp.response(204)
def delete_token() -> None:
    """Revoke the token used for this request."""
    revoke_token(g.api_token)


@blp.route("/me")
@require(Permission.ME_READ)
@blp.response(200, UserSchema)
def me() -> Any:
    """The authenticated user."""
    return current_user
