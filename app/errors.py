"""What an operation refuses, and why: the domain errors every feature raises.

Operations never raise HTTP exceptions. They raise `Refused` (or one of its kinds below)
with a message for the user, the status it stands for, and the inputs concerned; one
handler per interface turns it into an answer: the API's error shape
(`app.api_base.answer_refused`) and, on the pages, a form error or a flashed message
(`app.web.pages.show_refusal`).

It lives at the top of `app/`, beside `db.py`, rather than in one feature: every feature
raises it, the lifecycle's refusals (a trigger not possible now, a stale version) are only
some of them, and nothing here imports a feature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _


class Refused(Exception):
    """The operation cannot be done as asked; nothing of it is kept.

    `message` is for the user, in their language. `field` names the one input concerned:
    a page shows the message there, the API under that key of `errors`. `errors` gives
    every input concerned at once (field -> messages) where there is more to say.
    `status` is the HTTP status the API answers with: 422 unless said otherwise."""

    status: int = 422

    def __init__(self, message: str, *, field: str | None = None,
                 errors: Mapping[str, Sequence[str]] | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if errors is None:
            errors = {field: [message]} if field else {}
        self.errors = {name: list(messages) for name, messages in errors.items()}
        if status is not None:
            self.status = status


class NotFound(Refused):
    """Unknown, or outside what the user may see: the two are answered alike."""

    status = 404

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or _("Not found."), **kwargs)


class StaleVersion(Refused):
    """The caller's version is not the object's: someone changed it in the meantime."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            _("Someone else changed this in the meantime. Reload it and try again."),
            errors={"version": [_("Stale version: reload and try again.")]})
