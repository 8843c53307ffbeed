from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.cases.models import HELP_THEMES
from app.funding.schemas import MAX_BUDGET
from app.web.formkit import ChipsField, FilterForm, Form, PlausibleDate, length, required
from app.web.labels import choices


class StreamForm(Form):
    name = StringField(_l("Name of the funding stream"), validators=[required(), length(200, 2)])
    funder_organization_id = SelectField(_l("Funder: an organisation"), validators=[Optional()],
                                         validate_choice=False)
    funder_name = StringField(_l("Or a funder outside the organisations, such as a fund"),
                              validators=[Optional(), length(200, 2)])
    starts_on = DateField(_l("Funded from"), validators=[required(), PlausibleDate()])
    ends_on = DateField(_l("Up to and including"), validators=[required(), PlausibleDate()])
    budget_euros = IntegerField(_l("Budget in euros (optional)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_BUDGET,
                                message=_l("Give an amount in whole euros, 0 or more."))])
    themes = ChipsField(_l("Themes of support it funds (optional)"))

    def __init__(self, organizations: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.funder_organization_id.choices = [("", str(_l("None: a funder outside them")))] + [
            (str(i), name) for i, name in organizations]
        self.themes.choices = choices("theme", HELP_THEMES)

    def validate_funder_organization_id(self, field: Any) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an organisation."))

    def values(self) -> dict[str, Any]:
        """What the form holds, as the API's input schema reads it."""
        chosen = self.funder_organization_id.data
        return {"name": self.name.data or "", "funder_organization_id": int(chosen) if chosen
                else None, "funder_name": self.funder_name.data or "",
                "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
                "budget_euros": self.budget_euros.data, "themes": list(self.themes.data or [])}


class DeploymentForm(Form):
    assignment = SelectField(_l("Coach and building"), validators=[required()],
                             validate_choice=False)
    starts_on = DateField(_l("Funded from (optional)"), validators=[Optional(), PlausibleDate()])
    ends_on = DateField(_l("Up to and including (optional)"),
                        validators=[Optional(), PlausibleDate()])

    def __init__(self, assignments: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment.choices = [("", str(_l("Choose…"))), *assignments]

    def validate_assignment(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose a coach and building from the list."))

    def chosen(self) -> tuple[int, int]:
        coach_id, building_id = self.assignment.data.split("-")
        return int(coach_id), int(building_id)


class ActivityTagForm(Form):
    activity_id = SelectField(_l("Activity"), validators=[required()], validate_choice=False)

    def __init__(self, activities: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_id.choices = [("", str(_l("Choose…"))),
                                    *[(str(i), text) for i, text in activities]]

    def validate_activity_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an activity from the list."))


class AccountFilter(FilterForm):
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)

    def __init__(self, periods: list[tuple[str, str]]) -> None:
        super().__init__()
        self.period.choices = periods
