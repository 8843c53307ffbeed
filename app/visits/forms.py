from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, NumberRange, Optional, ValidationError

from app.cases.models import HELP_THEMES
from app.residents.schemas import DECISIONS
from app.visits.models import VisitOutcome
from app.visits.schemas import HOUSEHOLD_SIZE_MAX, OFFER_KINDS
from app.web.formkit import ChipsField, Form, length, required
from app.web.labels import choices

NEW_RESIDENT = "new"


class NotHomeForm(Form):
    """One tap: nobody opened the door."""

    outcome = HiddenField(default=VisitOutcome.NOT_HOME.value)


class DuplicateDecisionForm(Form):
    """One person (merge) or two (keep), for a possible duplicate resident at the door."""

    decision = HiddenField(validators=[required(), AnyOf(DECISIONS)])


class VisitForm(Form):
    outcome = RadioField(_l("What happened at the door?"), validators=[required()],
                         default=VisitOutcome.TALKED.value)
    resident = RadioField(_l("Who did you talk to?"), validators=[Optional()],
                          validate_choice=False)
    new_resident_name = StringField(_l("Name the resident wants to be called by"),
                                    validators=[Optional(), length(120)])
    new_resident_birth_year = IntegerField(
        _l("Year of birth (optional)"),
        validators=[Optional(), NumberRange(min=1900, max=date.today().year,
                                            message=_l("Give a year between %(min)s and %(max)s."))])
    new_resident_phone = StringField(_l("Phone (optional)"), validators=[Optional(), length(30)])
    new_resident_languages = StringField(_l("Languages (optional, separated by commas)"),
                                         validators=[Optional(), length(200)])
    themes = ChipsField(_l("What bothers the resident, what do they need?"))
    offers = ChipsField(_l("What can the resident offer others?"))
    wishes = ChipsField(_l("What would the resident like from others?"))
    willingness = RadioField(_l("Willing to take part in the Buurtkamer or activities?"),
                             validators=[Optional()], validate_choice=False)
    household_size = IntegerField(
        _l("How many people live here? (optional)"),
        validators=[Optional(), NumberRange(min=1, max=HOUSEHOLD_SIZE_MAX,
                                            message=_l("Give a number between %(min)s and %(max)s."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), length(4000)])
    open_case = BooleanField(_l("Open a case for this resident"))

    def __init__(self, residents: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = choices(
            "visit_outcome", ["talked", "not_home", "revisit", "declined", "vacant"])
        self.resident.choices = [(str(r.id), r.display_name) for r in residents] + [
            (NEW_RESIDENT, str(_l("Someone new: register them"))), ("", str(_l("Not known")))]
        self.themes.choices = choices("theme", HELP_THEMES)
        self.offers.choices = choices("offer", OFFER_KINDS)
        self.wishes.choices = choices("offer", OFFER_KINDS)
        self.willingness.choices = choices("willingness", ["0", "1", "2", "3"])

    def validate_willingness(self, field: Any) -> None:
        if field.data not in {value for value, _label in self.willingness.choices}:
            raise ValidationError(_l("Choose from the options shown."))

    def validate_resident(self, field: Any) -> None:
        allowed = {value for value, _label in self.resident.choices}
        if field.data not in allowed and field.data not in (None, "None"):
            raise ValidationError(_l("Choose from the options shown."))
