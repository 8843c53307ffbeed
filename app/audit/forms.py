from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.web.formkit import MAX_INT, FilterForm, Form, PlausibleDate, length, local_zone, required
from app.web.labels import LABELS, choices
from policies import Action


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=local_zone())


class PeriodFilter(FilterForm):
    from_ = DateField(_l("From"), validators=[Optional(), PlausibleDate()], name="from")
    to = DateField(_l("Up to and including"), validators=[Optional(), PlausibleDate()])

    def period(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.value("from_"):
            args["from_"] = _start_of(self.from_.data)
        if self.value("to"):
            args["to"] = _start_of(self.to.data + timedelta(days=1))
        return args


class ProcessingLogFilter(PeriodFilter):
    resident_id = StringField(_l("Resident (pseudonymous id)"),
                              validators=[Optional(), length(36)])
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    decision = SelectField(_l("Decision"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", str(_l("All")))
        actions = [a.value for a in Action] + ["erase", "anonymise"]
        self.action.choices = [everything, *choices("action", actions)]
        self.decision.choices = [everything, *choices("decision", ["allowed", "denied"])]

    def validate_resident_id(self, field: Any) -> None:
        try:
            uuid.UUID(field.data)
        except ValueError as error:
            raise ValidationError(_l("Not a resident id.")) from error

    def query_args(self) -> dict[str, Any]:
        args = self.period()
        for name in ("resident_id", "action", "decision"):
            if self.value(name):
                args[name] = self.value(name)
        return args


class AuditEventFilter(PeriodFilter):
    event_type = SelectField(_l("Event"), validators=[Optional()], validate_choice=False)
    object_type = SelectField(_l("Object"), validators=[Optional()], validate_choice=False)
    object_id = StringField(_l("Object id"), validators=[Optional(), length(64)])
    actor_id = IntegerField(_l("User id"), validators=[Optional(), NumberRange(min=0, max=MAX_INT)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", str(_l("All")))
        self.event_type.choices = [everything, *choices("event", sorted(LABELS["event"]))]
        self.object_type.choices = [everything, *choices("object_type")]

    def query_args(self) -> dict[str, Any]:
        args = self.period()
        for name in ("event_type", "object_type", "object_id", "actor_id"):
            if self.value(name) is not None:
                args[name] = self.value(name)
        return args


class ConcludeReviewForm(Form):
    justified = RadioField(_l("Finding"), validators=[required()])
    finding = TextAreaField(_l("Explanation of the finding"),
                            validators=[required(), length(4000, 10)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.justified.choices = [("yes", str(_l("Justified: the share was needed"))),
                                  ("no", str(_l("Unjustified: end the access now")))]
