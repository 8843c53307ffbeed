"""Dutch first, English available. Pages speak Dutch until the user picks English (a cookie),
whatever the browser's language; an API client may also ask with Accept-Language."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from app.extensions import babel

LOCALE_COOKIE = "buurtpad_lang"


def select_locale() -> str:
    if not has_request_context():
        # Commands (imports, exports, timers) speak the default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or default
    return default


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
