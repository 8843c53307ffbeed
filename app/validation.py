"""Field types and validators shared by every input schema.

Every request body and query string the API accepts is loaded by an `InputSchema`. Each
string in it that a user could have typed — any `String` field that is not a UUID, at any
depth of a list — is refused when it holds a number passing the BSN eleven-test, before any
field validator runs: the refusal is a property of the input type, not of remembering a
validator per field. Only `Secret` fields (a password: hashed, never stored or logged as
typed) are exempt. The pages' forms share the same rule (`app.web.formkit.Form`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate
from werkzeug.exceptions import NotFound

from policies.bsn import contains_bsn

BSN_MESSAGE = _l("This text contains a number that looks like a citizen service number "
                 "(BSN). Buurtpad never stores BSNs: remove the number.")


def reject_bsn(value: str) -> None:
    if holds_bsn(value):
        raise ValidationError(str(BSN_MESSAGE))


# An id the server made and handed out (alone or quoted in a sentence): its digits are not a
# number anyone typed, and its groups can line up like one.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def holds_bsn(value: Any) -> bool:
    """True when `value` — a string or a list of them, as a user sent it — holds a BSN."""
    if isinstance(value, str):
        return contains_bsn(_UUID.sub(" ", value))
    if isinstance(value, list | tuple):
        return any(holds_bsn(item) for item in value)
    return False


class Secret(fields.String):
    """A password: checked against its hash, never stored or logged as typed, so it is
    the one kind of string the BSN refusal leaves alone."""


def _typed_by_user(field: fields.Field) -> bool:
    """Whether a field loads strings a user chose (UUIDs are ids the server made)."""
    if isinstance(field, fields.List):
        return _typed_by_user(field.inner)
    return isinstance(field, fields.String) and not isinstance(field, fields.UUID | Secret)


class InputSchema(Schema):
    """Base of every input schema (request bodies and query strings)."""

    @pre_load
    def _refuse_bsn(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        errors: dict[str, list[str]] = {}
        for field in self.load_fields.values():
            key = field.data_key or field.name
            if key in data and _typed_by_user(field) and holds_bsn(_raw(data, key, field)):
                errors[key] = [str(BSN_MESSAGE)]
        if errors:
            raise ValidationError(errors)
        return data


def _raw(data: Mapping[str, Any], key: str, field: fields.Field) -> Any:
    getlist = getattr(data, "getlist", None)
    if getlist is not None and isinstance(field, fields.List):
        return getlist(key)
    return data[key]


class Text(fields.String):
    """Free text: trimmed, bounded, and never carrying a BSN."""

    def __init__(self, *, max_length: int = 2000, min_length: int = 0, **kwargs: Any) -> None:
        validators = [validate.Length(min=min_length, max=max_length), reject_bsn]
        validators.extend(kwargs.pop("validate", []) or [])
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip()


class Code(fields.String):
    """A machine word the client picks from a list the API publishes (a trigger, an outcome,
    an event type): lower-case letters and underscores, so it cannot hold a number at all.
    Blank is left to the rule that knows whether the code is required."""

    PATTERN = re.compile(r"[a-z_]*")

    def __init__(self, *, max_length: int = 40, **kwargs: Any) -> None:
        validators = [validate.Length(max=max_length),
                      validate.Regexp(self.PATTERN, error=_l("Use one of the published codes."))]
        validators.extend(kwargs.pop("validate", []) or [])
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


# A Dutch phone number: 10 digits starting with 0 (not 00), or +31 / 0031 and 9 digits
# without the leading 0; spaces, dashes, dots and brackets between digits are allowed.
_PHONE_SEPARATORS = re.compile(r"[ \-.()\u00a0]")
_DUTCH_PHONE = re.compile(r"(?:0|\+31|0031)[1-9][0-9]{8}")
PHONE_MESSAGE = _l("Give a Dutch phone number: 10 digits starting with 0, or +31 and 9 digits.")


def dutch_phone(value: str) -> str | None:
    """The number written without separators, or None when it is not a Dutch phone number."""
    compact = _PHONE_SEPARATORS.sub("", value.strip())
    return compact if _DUTCH_PHONE.fullmatch(compact) else None


class Phone(fields.String):
    """A Dutch phone number, stored without separators (`0612345678`, `+31612345678`)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        number = dutch_phone(text) if len(text) <= 30 else None
        if number is None:
            raise ValidationError(str(PHONE_MESSAGE))
        return number


def choice(values: Any) -> validate.OneOf:
    values = [str(v) for v in values]
    return validate.OneOf(values, error=_l("Must be one of: {choices}."))


# Row ids are 32-bit integer columns (PostgreSQL `integer`): a larger number names no row, and
# the database driver would raise on it instead of the API answering 404/422.
ID_MAX = 2**31 - 1


def row_id() -> validate.Range:
    return validate.Range(min=1, max=ID_MAX)


def refuse_impossible_row_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """For every route: an integer path id larger than a 32-bit id column can hold names no
    row — 404 in the one error shape, before the number can reach the database (PostgreSQL
    would refuse it as out of range)."""
    if values and any(isinstance(value, int) and not isinstance(value, bool)
                      and value > ID_MAX for value in values.values()):
        raise NotFound()


# Dates far outside a lifetime are typing mistakes, and near the ends of the calendar (year 1,
# year 9999) shifting a time-zone offset to UTC overflows. The API's fields and the pages'
# form fields (`app.web.formkit`) share this one range.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
DATE_RANGE_MESSAGE = _l("Give a date between 1900 and 2999.")


def plausible_year(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


class PlausibleDateTime(fields.AwareDateTime):
    """A moment: a date and time with its UTC offset (`2026-03-02T19:30:00+01:00`), between
    1900 and 2999. Every date-time the API reads is one of these."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", None)  # no offset: refused, never guessed
        kwargs.setdefault("metadata", {}).setdefault(
            "description", f"with a UTC offset, years {EARLIEST_YEAR}-{LATEST_YEAR}")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not plausible_year(moment.year):
            raise ValidationError(str(DATE_RANGE_MESSAGE))
        return moment


class PlausibleDate(fields.Date):
    """A day (`2026-03-02`) between 1900 and 2999. Every date the API reads is one of these."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not plausible_year(day.year):
            raise ValidationError(str(DATE_RANGE_MESSAGE))
        return day
