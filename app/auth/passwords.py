"""Argon2id password hashing (at least the OWASP minimum: m=19 MiB, t=2, p=1)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# The shortest password anyone may set: by the coordinator, or by the user with a link.
MIN_PASSWORD_LENGTH = 12

_hashers: dict[tuple[int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    key = (current_app.config["ARGON2_MEMORY_KIB"], current_app.config["ARGON2_TIME_COST"])
    if key not in _hashers:
        _hashers[key] = PasswordHasher(
            memory_cost=key[0], time_cost=key[1], parallelism=1, type=Type.ID
        )
    return _hashers[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the email is unknown, so both answers cost the same time.
_DUMMY: dict[tuple[int, int], str] = {}


def verify_dummy(password: str) -> None:
    key = (current_app.config["ARGON2_MEMORY_KIB"], current_app.config["ARGON2_TIME_COST"])
    if key not in _DUMMY:
        _DUMMY[key] = _hasher().hash("no such account")
    verify_password(_DUMMY[key], password)
