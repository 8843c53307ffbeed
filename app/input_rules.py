"""What any input must be before a schema or a form looks at it: JSON no deeper than a body of
this app ever is, and text that a database can store (no NUL, no lone UTF-16 surrogate).

One rule for both interfaces: the API's argument parser (`app.api_base.InputParser`) refuses
such input with 400/422 in the one error shape, the pages with a 400 before any view runs,
and every JSON body the app reads is parsed by `loads` (through Flask's JSON provider too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

# The deepest body the API takes is an object holding a list of objects; 32 leaves room,
# and stays far below the recursion limit of the parser and of every walk over the result.
MAX_JSON_DEPTH = 32


class JSONTooDeep(json.JSONDecodeError):
    """Nested deeper than MAX_JSON_DEPTH: refused as a malformed body (400)."""

    def __init__(self) -> None:
        # Not the body as `doc`: webargs takes an exception with an empty `doc` for no body.
        super().__init__(f"nested more than {MAX_JSON_DEPTH} levels deep", "[", 0)


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """`json.loads`, refusing bodies nested more than MAX_JSON_DEPTH levels deep (the
    standard parser would raise RecursionError at about a thousand)."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep() from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise JSONTooDeep()
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)


def unstorable(value: Any) -> str | None:
    """Why `value` (a string, or mappings and lists of them, keys included) cannot be stored,
    or None. PostgreSQL text cannot hold NUL; a lone surrogate (JSON `"\\ud800"`) is no
    character at all and cannot be encoded as UTF-8 for any database."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _("The input contains a NUL character.")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return _("The input contains a lone surrogate, which is not a character: "
                         "send text as valid Unicode.")
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item[key] for key in item)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def unstorable_fields(data: Any) -> dict[str, list[str]]:
    """The API's field errors for `data`: one per top-level field that cannot be stored."""
    if not isinstance(data, Mapping):
        reason = unstorable(data)
        return {"_schema": [reason]} if reason else {}
    errors: dict[str, list[str]] = {}
    for key in data:
        if reason := unstorable(key):
            errors["_schema"] = [reason]
        elif reason := unstorable(data[key]):
            errors[str(key)] = [reason]
    return errors


def _all_values(pairs: Iterable[tuple[str, list[str]]]) -> list[str]:
    return [text for key, values in pairs for text in (key, *values)]


def refuse_unstorable_page_input() -> None:
    """Pages: a query string or form holding text no database can store is a bad request,
    answered before any view (or its form) sees it."""
    if request.path.startswith("/api/"):
        return  # the API's parser answers in the one error shape, per field
    reason = unstorable(_all_values(request.args.lists()))
    if reason is None and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        reason = unstorable(_all_values(request.form.lists()))
    if reason is not None:
        raise BadRequest(reason)


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_unstorable_page_input)
