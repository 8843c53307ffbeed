"""The one place that decides whether the caller may use a view.

API requests authenticate with a bearer token only (a session cookie is ignored there, so
no cross-site request can ride on it); web pages use the Flask-Login session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from app.auth.models import User
from app.auth.permissions import Permission
from app.db import db
from app.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@login_manager.user_loader
def load_session_user(session_id: str) -> User | None:
    if is_api_request():
        return None
    user_id, _sep, nonce = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


@login_manager.request_loader
def load_token_user(_request: Any) -> User | None:
    if not is_api_request():
        return None
    raw = _bearer_token()
    if raw is None:
        return None
    from app.auth.operations import token_for

    token = token_for(raw)
    if token is None:
        return None
    g.api_token = token
    return token.user


@login_manager.unauthorized_handler
def _to_login() -> Any:
    """A page that needs a login: say so in the user's language, and come back after it."""
    flash(_("Log in to see this page."))
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def require(permission: Permission) -> Callable[[F], F]:
    """Views state the one permission they need; 401 when anonymous, 403 when not allowed."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if is_api_request():
                    abort(
                        401,
                        message=_("Authentication required."),
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403, message=_("Your role does not allow this action."))
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
