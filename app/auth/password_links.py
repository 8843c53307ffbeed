"""A one-time link to set a new password, made by the coordinator and handed to the user.

Making the link resets the password at once: the old one stops working and every session and
API token of the user ends (`set_password`). The link is signed with the application's
secret and names the user's current password hash by a fingerprint, so it works once — the
password it sets changes the hash — and no longer than `LINK_LIFETIME`; a newer link, a
deactivation or any other new password ends it too. Nothing of it is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.audit.operations import record_event
from app.auth.models import User
from app.auth.operations import set_password
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.db import db
from app.errors import Refused

LINK_LIFETIME = timedelta(hours=24)
_SALT = "buurtpad-password-link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}.{user.session_nonce}".encode()).hexdigest()[:24]


def issue_password_link(admin: Any, user: User) -> str:
    """Reset the user's password and return the token of the link that sets a new one."""
    set_password(user, secrets.token_urlsafe(32))  # known to no one: the link is the way in
    record_event("password_reset_issued", actor=admin, object_type="user", object_id=user.id,
                 details={"valid_hours": int(LINK_LIFETIME.total_seconds() // 3600)})
    return str(_serializer().dumps({"user": user.id, "fingerprint": _fingerprint(user)}))


def user_of_link(token: str) -> User | None:
    """The user a link is for while it is valid: unused, not expired, the user active."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or data.get("fingerprint") != _fingerprint(user):
        return None
    return user


def set_password_with_link(user: User, password: str) -> None:
    """The user's own new password; the link it came with is used up by it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(message=_("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
                      field="password")
    set_password(user, password)
    record_event("password_reset_completed", actor=user, object_type="user", object_id=user.id)
