"""W3C Trace Context: a request's trace id, taken from its `traceparent` header or new.

The trace id is recorded on the processing-log entries the request writes, so a disclosure can
be followed across systems (the Logboek Dataverwerkingen export carries it), and every answer
names it: `traceparent` (version 00, this server's span within the trace) and `X-Trace-Id`.
A header that does not follow the standard is ignored, as the standard asks: a new trace
starts. https://www.w3.org/TR/trace-context/
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, has_request_context, request

_TRACEPARENT = re.compile(
    r"(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<parent_id>[0-9a-f]{16})"
    r"-(?P<flags>[0-9a-f]{2})(?P<rest>.*)")
_INVALID_TRACE_ID = "0" * 32
_INVALID_PARENT_ID = "0" * 16


def parse_traceparent(header: str | None) -> tuple[str, str] | None:
    """(trace id, flags) of a valid `traceparent`, else None. Version 00 has exactly four
    fields; a later version may append more after a dash, which are ignored."""
    if not header:
        return None
    found = _TRACEPARENT.fullmatch(header.strip())
    if found is None or found["version"] == "ff":
        return None
    if found["version"] == "00" and found["rest"]:
        return None
    if found["rest"] and not found["rest"].startswith("-"):
        return None
    if found["trace_id"] == _INVALID_TRACE_ID or found["parent_id"] == _INVALID_PARENT_ID:
        return None
    return found["trace_id"], found["flags"]


def current_trace_id() -> str | None:
    return getattr(g, "trace_id", None) if has_request_context() else None


def _start_trace() -> None:
    parsed = parse_traceparent(request.headers.get("traceparent"))
    # A new trace is recorded here (the processing log keeps it): sampled.
    g.trace_id, g.trace_flags = parsed or (secrets.token_hex(16), "01")
    g.span_id = secrets.token_hex(8)


def _answer_trace(response: Response) -> Response:
    if "trace_id" in g:
        response.headers["traceparent"] = f"00-{g.trace_id}-{g.span_id}-{g.trace_flags}"
        response.headers["X-Trace-Id"] = g.trace_id
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_trace)
    app.after_request(_answer_trace)
