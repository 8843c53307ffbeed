from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.web.formkit import Form, length, required


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[required(), length(1024, MIN_PASSWORD_LENGTH)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    repeat = PasswordField(_l("The same password again"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])
