"""Configuration from the environment.

`DATABASE_URL` picks the database (SQLite file under `instance/` by default, PostgreSQL in
production) and the role the application connects as; `MIGRATION_DATABASE_URL`, when set,
is the same database as the role that owns the tables, which migrations use (see
`migrations/env.py`); `SECRET_KEY` is required unless the app runs in debug or testing mode.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from workflows.timers import parse_cadence

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class ConfigurationError(RuntimeError):
    pass


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_INSTANCE / 'buurtpad.sqlite3'}"


def _cadence(text: str | None) -> tuple[int, ...]:
    try:
        return parse_cadence(text)
    except ValueError as error:
        raise ConfigurationError(f"CHECKIN_CADENCE_DAYS: {error}") from None


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    env = os.environ
    testing = bool(overrides.get("TESTING", False))
    debug = bool(overrides.get("DEBUG", env.get("FLASK_DEBUG", "") in {"1", "true", "True"}))
    config: dict[str, Any] = {
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MIGRATION_DATABASE_URI": env.get("MIGRATION_DATABASE_URL") or None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        # Sessions: an idle web session ends after 30 minutes; the signed cookie carries
        # its own age, so this holds across workers without server state.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure cookies outside debug; a laptop serving plain http on 127.0.0.1 may opt out.
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "" if (debug or testing) else "1")
        in {"1", "true", "True"},
        "REMEMBER_COOKIE_DURATION": timedelta(0),
        "API_TOKEN_LIFETIME": timedelta(hours=int(env.get("API_TOKEN_HOURS", 8))),
        # Argon2id parameters: OWASP minimum is m=19 MiB, t=2, p=1.
        "ARGON2_MEMORY_KIB": int(env.get("ARGON2_MEMORY_KIB", 19 * 1024)),
        "ARGON2_TIME_COST": int(env.get("ARGON2_TIME_COST", 2)),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Buurtpad API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "Buurtpad: outreach cases, warm handovers and consent-governed "
                "data sharing. Authenticate with POST /api/v1/auth/token, then send "
                "`Authorization: Bearer <token>`."
            },
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearerAuth": []}],
        },
        # How many reverse proxies (load balancers) stand in front of the app: their
        # X-Forwarded-For/-Proto are trusted that many hops deep (login throttling per
        # address and Secure cookies depend on it). 0: none, use the socket's address.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", 0)),
        # Signed checkpoints of the hash chains, kept outside the database: the Ed25519
        # signing key (a PEM file), the public key that checks them (default: the signing
        # key's own), and the file or directory they are appended to.
        "CHECKPOINT_KEY": env.get("BUURTPAD_CHECKPOINT_KEY") or None,
        "CHECKPOINT_PUBLIC_KEY": env.get("BUURTPAD_CHECKPOINT_PUBLIC_KEY") or None,
        "CHECKPOINTS": env.get("BUURTPAD_CHECKPOINTS") or None,
        # The key of the data subject pseudonyms in the Logboek Dataverwerkingen export
        # (default: derived from SECRET_KEY): one key, one pseudonym per resident.
        "LDV_SUBJECT_KEY": env.get("BUURTPAD_LDV_SUBJECT_KEY") or None,
        # Due timers fire along with the requests served (at most once a minute across all
        # workers), so the embedded default needs no cron; off where cron runs
        # `workflows tick` (TIMERS_WITH_REQUESTS=0) and in tests, which fire timers themselves.
        "TIMERS_WITH_REQUESTS": env.get("TIMERS_WITH_REQUESTS", "" if testing else "1")
        in {"1", "true", "True"},
        # After help starts the coach looks in on the resident this many days later
        # (default "42,91,182,365": after 6 weeks, 3, 6 and 12 months).
        "CHECKIN_CADENCE_DAYS": _cadence(env.get("CHECKIN_CADENCE_DAYS")),
        # A daily e-mail digest per user ("3 nieuwe meldingen"), naming no resident; off
        # unless an SMTP server is named.
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT", 25)),
        "SMTP_FROM": env.get("SMTP_FROM", "buurtpad@localhost"),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "DEBUG": debug,
        "TESTING": testing,
    }
    config.update(overrides)
    if not config["SECRET_KEY"]:
        if config["DEBUG"] or config["TESTING"]:
            config["SECRET_KEY"] = "insecure-development-key"  # noqa: S105 - debug/testing only
        else:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set a long random SECRET_KEY in the environment "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    return config
