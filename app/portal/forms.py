from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import EqualTo

from app.portal.models import MessageKind
from app.portal.operations import MAX_PIN_LENGTH, MESSAGE_MAX_LENGTH
from app.web.formkit import Form, length, required
from app.web.labels import choices


class ActivateForm(Form):
    account_number = StringField(_l("Your number"), validators=[required(), length(20)],
                                 description=_l("The 10 digits on your letter."))
    code = StringField(_l("Code from the letter"), validators=[required(), length(30)],
                       description=_l("12 letters, for example ABCD-EFGH-JKMN."))
    pin = PasswordField(_l("Choose a PIN"), validators=[required(), length(MAX_PIN_LENGTH)],
                        description=_l("At least 6 digits or characters. Keep it to yourself."))
    pin_again = PasswordField(_l("The same PIN again"), validators=[
        required(), EqualTo("pin", message=_l("The two PINs differ."))])


class SignInForm(Form):
    account_number = StringField(_l("Your number"), validators=[required(), length(20)],
                                 description=_l("The 10 digits on your letter."))
    pin = PasswordField(_l("Your PIN"), validators=[required(), length(MAX_PIN_LENGTH)])


class MessageForm(Form):
    kind = RadioField(_l("What would you like?"), validators=[required()],
                      default=MessageKind.CALL_BACK.value)
    text = TextAreaField(_l("Your message"), validators=[length(MESSAGE_MAX_LENGTH)],
                         description=_l("Short is fine. Not needed for a call-back."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("resident_message",
                                    [MessageKind.CALL_BACK.value, MessageKind.MESSAGE.value])


class ConfirmForm(Form):
    """A button only: the CSRF token is the form."""
