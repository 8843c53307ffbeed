from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired

from app.web.formkit import Form, length, required


class ResidentSearchForm(Form):
    query = StringField(_l("Name, street or resident id"), validators=[required(), length(120, 2)])


class ErasureForm(Form):
    confirm = BooleanField(
        _l("I have checked the request: anonymise this resident everywhere"),
        validators=[InputRequired(message=_l("Tick to confirm the erasure."))])
