"""Form pieces every feature's pages share: field types, validators with Dutch messages,
the transition form, and the bridge to the API's input schemas.

The rules themselves are not repeated here: every form is a `Form`, which refuses a BSN in
any string a user sent, as the API's `InputSchema` does (one rule, `app.validation.holds_bsn`),
and `apply_schema` runs the API's marshmallow schema on what a form collected, so a page
accepts exactly what the API accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.validation import BSN_MESSAGE, DATE_RANGE_MESSAGE, holds_bsn, plausible_year

REQUIRED = _l("This field is required.")
MAX_INT = 2**31 - 1  # what every database's INTEGER holds


def required() -> InputRequired:
    return InputRequired(message=REQUIRED)


def length(maximum: int, minimum: int = -1) -> Length:
    if minimum > 0:
        return Length(min=minimum, max=maximum,
                      message=_l("Use between %(min)d and %(max)d characters."))
    return Length(max=maximum, message=_l("Use at most %(max)d characters."))


class Form(FlaskForm):
    """Base of every page form. Whatever a user sent in any field — typed text, a hidden
    value, a choice that was not offered — is refused when it holds a BSN, by the form type
    rather than by a validator each field must remember. Exempt: a password (checked against
    its hash, never stored as typed) and the CSRF token (made by the server)."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.type in _NOT_TYPED_TEXT or not holds_bsn(field.data):
                continue
            field.errors = [*field.errors, str(BSN_MESSAGE)]
            valid = False
        return valid


_NOT_TYPED_TEXT = frozenset({"PasswordField", "CSRFTokenField"})


class ChipsField(SelectMultipleField):
    """Checkboxes styled as chips; nothing is ticked unless the user ticks it."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        allowed = {str(value) for value, *_rest in (self.choices or [])}
        if any(str(value) not in allowed for value in (self.data or [])):
            raise ValidationError(_l("Choose from the options shown."))


class LocalDateTimeField(DateTimeLocalField):
    """A date and time as the user's clock reads it (Europe/Amsterdam), stored aware."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, **kwargs)
        self.messages = {"invalid": _l("Give a date and a time.")}

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Give a date and a time."))) from error
        if self.data is not None and not plausible_year(self.data.year):
            self.data = None
            raise ValueError(str(DATE_RANGE_MESSAGE))

    def aware(self) -> datetime | None:
        if self.data is None:
            return None
        return self.data.replace(tzinfo=local_zone())


class PlausibleDate:
    """A date field's value lies in the range the API's date fields take too."""

    def __call__(self, _form: Any, field: Field) -> None:
        if field.data is not None and not plausible_year(field.data.year):
            raise ValidationError(DATE_RANGE_MESSAGE)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam"))


class HiddenIntegerField(IntegerField):
    widget = HiddenInput()


class TransitionForm(Form):
    """One trigger on one workflow subject. `version` is the version the user saw; `seen` the
    last audit event at that moment, so a stale attempt can show what changed since."""

    trigger = HiddenField(validators=[required(), length(40)])
    version = HiddenIntegerField(validators=[InputRequired(message=_l("Reload the page.")),
                                             NumberRange(min=1, max=MAX_INT,
                                                         message=_l("Reload the page."))])
    seen = HiddenIntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_INT)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), length(1000)])
    outcome = SelectField(_l("Outcome"), validate_choice=False, validators=[Optional()])
    decline_reason = RadioField(_l("Why can your organisation not take it on?"),
                                validate_choice=False, validators=[Optional()])
    method = RadioField(_l("How was consent given?"), validate_choice=False,
                        validators=[Optional()])
    notice_version = HiddenField(validators=[Optional(), length(40)])
    intro_at = LocalDateTimeField(_l("Date and time"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), length(200)])
    # Ticked when the page asked to confirm an action out of the ordinary (not an argument).
    confirmed = BooleanField(_l("Yes, confirm"))

    ARGUMENTS = ("reason", "outcome", "decline_reason", "method", "notice_version", "intro_at",
                 "place")

    def arguments_for(self, transition: Any) -> dict[str, Any] | None:
        """The transition's required arguments from the form, and those it requires only for
        some values of another (a decline's explanation when the reason is "other"); None
        (with field errors) when one is missing or not one of its allowed values."""
        arguments: dict[str, Any] = {}
        for name in transition.required:
            value = self._value(name)
            field = getattr(self, name)
            if value in (None, ""):
                if not field.errors:
                    field.errors = [*field.errors, str(REQUIRED)]
                continue
            allowed = transition.allowed_values.get(name)
            if allowed is not None and value not in allowed:
                field.errors = [*field.errors, str(_l("Choose one of the options."))]
                continue
            arguments[name] = value
        for name, (on, values) in transition.required_when.items():
            value = self._value(name)
            if value not in (None, ""):
                arguments[name] = value
            elif arguments.get(on) in values and not getattr(self, name).errors:
                getattr(self, name).errors = [str(REQUIRED)]
        if any(getattr(self, name).errors for name in self.ARGUMENTS):
            return None
        return arguments

    def _value(self, name: str) -> Any:
        field = getattr(self, name)
        value = field.aware() if name == "intro_at" else field.data
        return value.strip() if isinstance(value, str) else value


def apply_schema(form: FlaskForm, schema: Schema, data: Mapping[str, Any],
                 field_map: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Load `data` with the API's input schema; its refusals become field errors on `form`
    (schema field name → form field name through `field_map`). None when refused."""
    try:
        return schema.load(data)
    except SchemaError as error:
        field_map = field_map or {}
        for name, messages in _flatten(error.messages).items():
            target = getattr(form, field_map.get(name, name), None)
            if not isinstance(target, Field):
                form.form_errors.append(" ".join(messages))
                continue
            target.errors = [*list(target.errors), *messages]
        return None


def _flatten(messages: Any) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(m) for m in (messages or [])]}
    for name, value in messages.items():
        if isinstance(value, dict):  # list items: {0: [...]}
            flat.setdefault(str(name), []).extend(
                str(m) for nested in value.values() for m in _as_list(nested))
        else:
            flat.setdefault(str(name), []).extend(str(m) for m in _as_list(value))
    return flat


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [m for nested in value.values() for m in _as_list(nested)]
    return list(value) if isinstance(value, list | tuple) else [value]


class FilterForm(Form):
    """Filters read from the query string: no CSRF token, never a 500 on odd input."""

    class Meta:
        csrf = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from flask import request

        super().__init__(request.args, *args, **kwargs)

    def value(self, name: str) -> Any:
        field = getattr(self, name)
        return None if field.errors or field.data in (None, "") else field.data
