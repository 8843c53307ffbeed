from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Regexp, ValidationError

from app.admin.operations import MAX_DWELLINGS_PER_FLOOR, MAX_FLOORS, MIN_PASSWORD_LENGTH
from app.auth.permissions import STAFF_ROLES
from app.auth.schemas import StaffContactSchema
from app.consent.forms import organization_choices
from app.organizations.models import OrganizationKind
from app.web.formkit import Form, apply_schema, length, required
from app.web.labels import choices


class UserForm(Form):
    name = StringField(_l("Name"), validators=[required(), length(200)])
    email = EmailField(_l("Email address"),
                       validators=[required(), length(254),
                                   Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                          message=_l("Not a valid email address."))])
    role = SelectField(_l("Role"), validators=[required()])
    organization_id = SelectField(_l("Organisation"))
    phone = StringField(_l("Work phone number"), validators=[length(30)],
                        description=_l("Optional. Colleagues who receive a handover can call it."))
    password = PasswordField(
        _l("Temporary password"),
        validators=[required(), length(1024, MIN_PASSWORD_LENGTH)],
        description=_l("At least %(count)d characters; tell it to the user in person.",
                       count=MIN_PASSWORD_LENGTH))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", str(_l("Choose…"))),
                             *choices("role", [r.value for r in STAFF_ROLES])]
        self.organization_id.choices = organization_choices(str(_l("None")))

    def validate_role(self, field: Any) -> None:
        if field.data not in {r.value for r in STAFF_ROLES}:
            raise ValidationError(_l("Choose a role."))

    def validate_organization_id(self, field: Any) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose from the options shown."))


class UserEditForm(Form):
    """Name, role and organisation of an existing user; a new role or organisation is
    confirmed after its consequences are shown, and hands over what the user holds."""

    name = StringField(_l("Name"), validators=[required(), length(200)])
    role = SelectField(_l("Role"), validators=[required()])
    organization_id = SelectField(_l("Organisation"))
    phone = StringField(_l("Work phone number"), validators=[length(30)],
                        description=_l("Optional. Colleagues who receive a handover can call it."))
    successor_id = SelectField(_l("Hand over to"), validate_choice=False)
    confirm = BooleanField(_l("I have read the consequences: make the change"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices("role", [r.value for r in STAFF_ROLES])
        self.organization_id.choices = organization_choices(str(_l("None")))

    def validate_role(self, field: Any) -> None:
        if field.data not in {r.value for r in STAFF_ROLES}:
            raise ValidationError(_l("Choose a role."))

    def validate_organization_id(self, field: Any) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose from the options shown."))


def checked_phone(form: Form) -> tuple[bool, str | None]:
    """The phone field through the API's Phone type (a Dutch number, stored compact):
    whether it is valid, and the number or None when left empty."""
    raw = (form.phone.data or "").strip()
    if not raw:
        return True, None
    data = apply_schema(form, StaffContactSchema(), {"phone": raw})
    return data is not None, data["phone"] if data else None


class DeactivateForm(Form):
    successor_id = SelectField(_l("Hand over to"), validate_choice=False)


def set_successor_choices(field: Any, people: list[Any]) -> None:
    field.choices = [("", str(_l("Choose…"))), *[(str(p.id), p.name) for p in people]]


class OrganizationForm(Form):
    name = StringField(_l("Name"), validators=[required(), length(200)])
    kind = SelectField(_l("Kind"), validators=[required()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("org_kind", [k.value for k in OrganizationKind])


class AssignForm(Form):
    user_id = SelectField(_l("Coach"), validators=[required()], validate_choice=False)


POSTCODE = Regexp(r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$",
                  message=_l("A Dutch postcode: four digits and two letters, such as 3562 AB."))


def _between(minimum: int, maximum: int) -> NumberRange:
    return NumberRange(minimum, maximum,
                       message=_l("Give a whole number from %(min)s to %(max)s."))


class BuildingForm(Form):
    name = StringField(_l("Name of the building"), validators=[required(), length(200)])
    neighbourhood = StringField(_l("Neighbourhood"), validators=[required(), length(200)],
                                description=_l("An existing neighbourhood, or a new one."))
    city = StringField(_l("City"), validators=[required(), length(100)])
    street = StringField(_l("Street"), validators=[required(), length(200)])
    postcode = StringField(_l("Postcode"), validators=[required(), POSTCODE])
    floors = IntegerField(_l("Floors"), validators=[required(), _between(1, MAX_FLOORS)])
    dwellings_per_floor = IntegerField(_l("Dwellings per floor"),
                                       validators=[required(),
                                                   _between(1, MAX_DWELLINGS_PER_FLOOR)])
    first_number = IntegerField(_l("First house number"),
                                validators=[required(), _between(1, 99999)])
    number_step = SelectField(_l("Numbering"), validators=[required()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number_step.choices = [("1", str(_l("Every number (1, 2, 3, …)"))),
                                    ("2", str(_l("Odd or even only (1, 3, 5, …)")))]


class ResolveEscalationForm(Form):
    note = TextAreaField(_l("What was done?"), validators=[required(), length(1000, 5)])
