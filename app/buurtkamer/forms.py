from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.buurtkamer.models import ACTIVITY_THEMES
from app.buurtkamer.schemas import MAX_PARTICIPANTS
from app.web.formkit import Form, LocalDateTimeField, length, required
from app.web.labels import choices
from workflows.consent import CONSENT_METHODS

RESIDENTS_ALONE = "residents"


class ActivityForm(Form):
    """Planning (with the building: `buildings` given) or changing an activity (None)."""

    building_id = SelectField(_l("Building"), validators=[required()], validate_choice=False)
    title = StringField(_l("What is it called?"),
                        validators=[required(), length(200, 2)])
    theme = RadioField(_l("Kind of activity"), validators=[required()])
    starts_at = LocalDateTimeField(_l("Starts at"), validators=[required()])
    place = StringField(_l("Where?"), validators=[required(), length(200, 2)])
    organising_coach_id = SelectField(_l("Who organises it?"), validators=[required()],
                                      validate_choice=False)

    def __init__(self, buildings: list[Any] | None, coaches: list[Any], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if buildings is None:
            del self.building_id  # an activity stays in its building
        else:
            self.building_id.choices = [(str(b.id), b.name) for b in buildings]
        self.theme.choices = choices("activity_theme", ACTIVITY_THEMES)
        self.organising_coach_id.choices = [
            *((str(coach.id), str(_l("Coach: %(name)s", name=coach.name))) for coach in coaches),
            (RESIDENTS_ALONE, str(_l("Residents on their own"))),
        ]

    def validate_building_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of your buildings."))

    def validate_organising_coach_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose from the options shown."))

    def organising_coach(self) -> int | None:
        value = self.organising_coach_id.data
        return None if value == RESIDENTS_ALONE else int(value)


class ParticipationForm(Form):
    participant_count = IntegerField(
        _l("How many people came?"),
        validators=[InputRequired(message=_l("Give the number of people who came.")),
                    NumberRange(min=0, max=MAX_PARTICIPANTS,
                                message=_l("Give a number between %(min)s and %(max)s."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_PARTICIPANTS,
                   "autocomplete": "off"})


class OrganiserForm(Form):
    """A resident who organises: named under a consent they have, or one they give now."""

    resident_id = SelectField(_l("Resident"), validators=[required()], validate_choice=False)
    method = RadioField(_l("How did the resident give consent?"), validators=[Optional()],
                        validate_choice=False)
    notice_shown = BooleanField(_l("I showed and explained the privacy notice"))

    def __init__(self, residents: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resident_id.choices = [("", str(_l("Choose…")))] + [
            (str(resident.id), f"{resident.display_name} · {resident.dwelling.address}")
            for resident in residents]
        self.method.choices = choices("method", CONSENT_METHODS)

    def validate_resident_id(self, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose a resident from the list."))


class ConfirmForm(Form):
    """A button that changes something: only the CSRF token."""
