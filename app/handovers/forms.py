from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from app.consent.forms import organization_choices
from app.consent.schemas import CONSENT_PURPOSES
from app.directory.forms import SERVICE_AT, service_choices
from app.web.formkit import ChipsField, Form, length, required
from app.web.labels import choices, label
from policies import SAFETY_BASES, DataCategory


class HandoverForm(Form):
    organization_id = SelectField(_l("To which organisation?"), validators=[required()])
    purpose = RadioField(_l("Purpose"), validators=[required()], default="warm_handover")
    data_categories = ChipsField(_l("What will the organisation see?"),
                                 validators=[InputRequired(message=_l("Tick at least one."))])
    consent_id = SelectField(_l("Consent it relies on"), validators=[Optional()])
    note = TextAreaField(_l("Note for the organisation (optional)"),
                         validators=[Optional(), length(2000)])
    service = SelectField(_l("Which of its services? (sociale kaart, optional)"),
                          validators=[Optional()])

    def __init__(self, consents: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.choices = organization_choices(str(_l("Choose…")))
        self.purpose.choices = choices("purpose", CONSENT_PURPOSES)
        self.data_categories.choices = choices("category", [c.value for c in DataCategory])
        self.service.choices = [("", str(_l("No particular service")))] + service_choices()
        self.consent_id.choices = [("", str(_l("Find a valid consent that covers it")))] + [
            (str(c.id), f"{c.recipient_organization.name} · {label(c.purpose, 'purpose')} · "
                        f"{label(c.state, 'consent_state')}")
            for c in consents]

    def validate_organization_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation."))

    def validate_service(self, field: Any) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose from the options shown."))

    def service_and_location(self) -> tuple[str | None, str | None]:
        """The chosen service's id and, when a place was chosen, its location's id."""
        service, _sep, location = (self.service.data or "").partition(SERVICE_AT)
        return service or None, location or None

    def validate_consent_id(self, field: Any) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose from the options shown."))


class SafetyDisclosureForm(Form):
    legal_basis = RadioField(_l("Legal basis"), validators=[required()])
    justification = TextAreaField(
        _l("Why must this be shared without consent?"),
        validators=[required(), length(4000, 40)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.legal_basis.choices = choices("legal_basis", SAFETY_BASES)


class ReofferForm(Form):
    organization_id = SelectField(_l("To which organisation now?"), validators=[required()])

    def __init__(self, choices_: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [("", str(_l("Choose…"))), *choices_]

    def validate_organization_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation."))
