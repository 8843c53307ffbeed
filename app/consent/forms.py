from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, RadioField, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from app.consent.schemas import CONSENT_PURPOSES
from app.db import db, utcnow
from app.organizations.models import Organization
from app.web.formkit import ChipsField, FilterForm, Form, PlausibleDate, local_zone, required
from app.web.labels import choices
from policies import DataCategory, default_valid_until
from workflows.consent import CONSENT_METHODS, CONSENT_STATES

DEFAULT_NOTICE_VERSION = "2026-01"


def notice_version() -> str:
    """The version of the privacy notice the coach shows the resident now."""
    return str(current_app.config.get("PRIVACY_NOTICE_VERSION", DEFAULT_NOTICE_VERSION))


def organization_choices(placeholder: str | None = None) -> list[tuple[Any, str]]:
    rows = db.session.execute(select(Organization.id, Organization.name)
                              .order_by(Organization.name)).all()
    options: list[tuple[Any, str]] = [(str(i), name) for i, name in rows]
    return [("", placeholder), *options] if placeholder is not None else options


def end_of_day(day: date) -> datetime:
    """A consent valid "until" a date is valid through that whole day, local time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())


class ConsentForm(Form):
    purpose = RadioField(_l("Purpose"), validators=[required()])
    recipient_organization_id = SelectField(_l("Shared with (organisation)"),
                                            validators=[required()])
    data_categories = ChipsField(_l("What may be shared"),
                                 validators=[InputRequired(message=_l("Tick at least one."))])
    valid_until = DateField(_l("Valid until"), validators=[required(), PlausibleDate()],
                            render_kw={"autocomplete": "off"})
    method = RadioField(_l("How did the resident give consent?"), validators=[Optional()],
                        validate_choice=False)
    notice_shown = BooleanField(_l("I showed and explained the privacy notice"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = choices("purpose", CONSENT_PURPOSES)
        self.recipient_organization_id.choices = organization_choices(str(_l("Choose…")))
        self.data_categories.choices = choices("category", [c.value for c in DataCategory])
        self.method.choices = choices("method", CONSENT_METHODS)
        if self.valid_until.data is None and not self.is_submitted():
            self.valid_until.data = default_valid_until(utcnow()).astimezone(local_zone()).date()

    def validate_recipient_organization_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation."))


class ConsentFilterForm(FilterForm):
    state = SelectField(_l("State"), validators=[Optional()], validate_choice=False)
    purpose = SelectField(_l("Purpose"), validators=[Optional()], validate_choice=False)
    organization = SelectField(_l("Organisation"), validators=[Optional()],
                               validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", str(_l("All")))
        self.state.choices = [everything, *choices("consent_state", CONSENT_STATES)]
        self.purpose.choices = [everything, *choices("purpose", CONSENT_PURPOSES)]
        self.organization.choices = organization_choices(str(_l("All")))
