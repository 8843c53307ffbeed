from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import NumberRange, Optional

from app.cases.models import HELP_THEMES, Urgency
from app.web.formkit import MAX_INT, ChipsField, Form, HiddenIntegerField, length, required
from app.web.labels import choices
from workflows.case import CHECKIN_OUTCOMES


class HelpQuestionForm(Form):
    text = TextAreaField(_l("The help question, in the resident's own words"),
                         validators=[required(), length(4000, 3)])
    themes = ChipsField(_l("Themes"), validators=[required()])
    urgency = RadioField(_l("Urgency"), validators=[required()], default=Urgency.NORMAL.value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themes.choices = choices("theme", HELP_THEMES)
        self.urgency.choices = choices("urgency", [u.value for u in Urgency])


class NotesForm(Form):
    version = HiddenIntegerField(validators=[required(), NumberRange(min=1, max=MAX_INT)])
    household_size = IntegerField(
        _l("Household size"),
        validators=[Optional(), NumberRange(min=1, max=20,
                                            message=_l("Give a number from %(min)s to %(max)s."))])
    household_notes = TextAreaField(_l("Household"), validators=[Optional(), length(4000)])
    living_situation_notes = TextAreaField(_l("Living situation"),
                                           validators=[Optional(), length(4000)])
    finances_notes = TextAreaField(_l("Finances"), validators=[Optional(), length(4000)])
    health_notes = TextAreaField(_l("Health"), validators=[Optional(), length(4000)])
    safety_notes = TextAreaField(_l("Safety"), validators=[Optional(), length(4000)])
    coach_notes = TextAreaField(_l("Coach notes"), validators=[Optional(), length(4000)])

    NOTE_FIELDS = ("household_notes", "living_situation_notes", "finances_notes",
                   "health_notes", "safety_notes", "coach_notes")


class CheckInForm(Form):
    outcome = RadioField(_l("How is it going?"), validators=[required()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), length(2000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = choices("checkin_outcome", CHECKIN_OUTCOMES)
