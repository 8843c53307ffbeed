from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from app.web.formkit import Form, PlausibleDate, length, required


class JoinForm(Form):
    organization_id = SelectField(_l("Organisation"), validators=[required()])
    role = StringField(_l("Role in the cooperation"), validators=[required(), length(200, 3)])
    contact = StringField(_l("Privacy contact (FG)"), validators=[required(), length(200, 3)])
    joined_on = DateField(_l("Party from"), validators=[required(), PlausibleDate()])

    def __init__(self, organizations: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [("", str(_l("Choose…")))] + [
            (str(i), name) for i, name in organizations]

    def validate_organization_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation."))


class LeaveForm(Form):
    left_on = DateField(_l("No longer receives from"), validators=[required(), PlausibleDate()])


class ReportFilter(Form):
    version = SelectField(_l("Version"), validators=[Optional()], validate_choice=False)
