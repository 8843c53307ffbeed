"""Request ids, the security headers every response carries, and where a redirect taken
from the request may lead."""

from __future__ import annotations

import secrets
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, g, request, url_for

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    # Only accept a caller's id that cannot smuggle anything into logs.
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        g.request_id = incoming
    else:
        g.request_id = secrets.token_hex(12)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    endpoint = request.endpoint or ""
    if not (endpoint.endswith(".static") or endpoint == "docs.swagger_asset"):
        # Pages and API answers may carry personal data: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if "request_id" in g:
        headers["X-Request-Id"] = g.request_id
    return response


# Longer than any path and query of this site; a longer target is not one of ours.
MAX_REDIRECT_TARGET = 2000


def _plain_path(text: str) -> bool:
    """Printable ASCII only (no whitespace, no control or invisible characters: browsers drop
    some of those, turning `/<tab>/evil` into `//evil`), no backslash (read as `/`), and not
    `//`, which names another host."""
    return (all("!" <= char <= "~" for char in text) and "\\" not in text
            and not text.startswith("//"))


def local_target(candidate: object) -> str | None:
    """`candidate` when it is a path on this site (with its query, if any); None otherwise.

    Every redirect to a target taken from the request (a `next` field or parameter) goes
    through here: no scheme, no host, a single leading `/`, and the same holds once the path
    is percent-decoded (`/%09/evil`)."""
    if not isinstance(candidate, str) or not 0 < len(candidate) <= MAX_REDIRECT_TARGET:
        return None
    if not _plain_path(candidate):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if not _plain_path(unquote(parts.path, errors="replace")):
        return None
    return candidate


def redirect_target(candidate: object, fallback: str = "web.home") -> str:
    """Where to send the user: `candidate` when it is local, else the `fallback` endpoint."""
    return local_target(candidate) or url_for(fallback)


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
