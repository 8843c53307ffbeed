"""Dutch first, English available. Pages speak Dutch until the user picks English, whatever
the browser's language: a logged-in user's choice is kept with the user (so it holds on every
device), and a cookie carries it for the pages before login; an API client may also ask with
Accept-Language."""

from __future__ import annotations

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel

LOCALE_COOKIE = "buurtpad_lang"


def select_locale() -> str:
    if not has_request_context():
        # Commands (imports, exports, timers) speak the default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    api = request.path.startswith("/api/")
    if not api and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    if api:
        return request.accept_languages.best_match(languages) or default
    return default


def remember_in_cookie(response: Response, code: str) -> Response:
    """The language for the pages before login, on this device."""
    # Sent only where the session cookie is: over https outside a laptop's plain http.
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
