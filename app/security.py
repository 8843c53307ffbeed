"""Request ids and the security headers every response carries."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

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


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
