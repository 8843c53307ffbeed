"""Field types and validators shared by every input schema."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate


def reject_bsn(value: str) -> None:
    from policies.bsn import contains_bsn

    if value and contains_bsn(value):
        raise ValidationError(
            str(
                _l(
                    "This text contains a number that looks like a citizen service number "
                    "(BSN). Buurtpad never stores BSNs: remove the number."
                )
            )
        )


class Text(fields.String):
    """Free text: trimmed, bounded, and never carrying a BSN."""

    def __init__(self, *, max_length: int = 2000, min_length: int = 0, **kwargs: Any) -> None:
        validators = [validate.Length(min=min_length, max=max_length), reject_bsn]
        validators.extend(kwargs.pop("validate", []) or [])
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip()


def choice(values: Any) -> validate.OneOf:
    values = [str(v) for v in values]
    return validate.OneOf(values, error=_l("Must be one of: {choices}."))


# Row ids are 32-bit integer columns (PostgreSQL `integer`): a larger number names no row, and
# the database driver would raise on it instead of the API answering 404/422.
ID_MAX = 2**31 - 1


def row_id() -> validate.Range:
    return validate.Range(min=1, max=ID_MAX)
