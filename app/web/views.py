from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app.auth.operations import (
    InvalidCredentials,
    LoginThrottled,
    authenticate,
    choose_language,
    end_web_sessions,
    record_logout,
)
from app.auth.password_links import set_password_with_link, user_of_link
from app.auth.permissions import Role
from app.buildings.scope import buildings_query
from app.db import db
from app.errors import Refused
from app.i18n import remember_in_cookie
from app.security import redirect_target
from app.web.forms import LoginForm, NewPasswordForm
from app.web.pages import show_refusal
from app.web.templating import install as install_template_helpers

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")
bp.record_once(install_template_helpers)


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers and bookmarks ask here whatever the page links: the one icon, no 404."""
    return redirect(url_for("web.static", filename="favicon.svg"), code=301)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Back to the page that asked for a login (`next`, when it is a page of this site)."""
    if current_user.is_authenticated:
        return redirect(redirect_target(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "",
                                request.remote_addr or "", "web")
        except LoginThrottled as throttled:
            db.session.commit()
            form.password.errors = [
                _("Too many failed attempts. Try again in %(seconds)s seconds.",
                  seconds=throttled.retry_after)
            ]
            status = 429
        except InvalidCredentials:
            db.session.commit()
            form.password.errors = [_("Email address or password is incorrect.")]
            status = 401
        else:
            session.clear()
            session.permanent = True
            login_user(user)
            response = redirect(redirect_target(request.args.get("next")))
            # The language the user chose on another device holds here too, also after logout.
            if user.locale in current_app.config["LANGUAGES"]:
                remember_in_cookie(response, user.locale)
            return response
    elif request.method == "POST":
        status = 422
    return render_template("web/login.html", form=form), status


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_link(token: str) -> Any:
    """The one-time link a coordinator made: the user sets their own new password."""
    user = user_of_link(token)
    if user is None:
        return render_template("web/password_link.html", form=None), 404
    form = NewPasswordForm()
    if not form.is_submitted():
        return render_template("web/password_link.html", form=form, user=user)
    if not form.validate():
        return render_template("web/password_link.html", form=form, user=user), 422
    try:
        set_password_with_link(user, form.password.data)
    except Refused as refused:
        show_refusal(refused, form, "password")
        return render_template("web/password_link.html", form=form, user=user), 422
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(_("Your new password is set. Log in with it."))
    return redirect(url_for("web.login"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    record_logout(current_user)
    return signed_out(current_user, _("You have been logged out."), "web.login")


def signed_out(user: Any, message: str, endpoint: str) -> Any:
    """Every web session of `user` ends, here and on any other device, and the browser
    forgets what it kept: what a phone kept for the door round without a signal goes too."""
    end_web_sessions(user)
    logout_user()
    session.clear()
    flash(message)
    response = redirect(url_for(endpoint))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str) -> Any:
    response = redirect(redirect_target(request.form.get("next")))
    if code in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            choose_language(current_user, code)
        remember_in_cookie(response, code)
    return response


@bp.route("/")
@login_required
def home() -> Any:
    """Each role lands on what it needs first; the feature pages are one tap away."""
    from app.handovers.models import Handover
    from app.handovers.scope import handovers_query
    from app.visits.queries import building_progress

    buildings = []
    waiting = 0
    if current_user.role in (Role.FLATCOACH, Role.COORDINATOR):
        buildings = building_progress(db.session.execute(buildings_query(current_user)).scalars())
    if current_user.role == Role.PROFESSIONAL:
        waiting = db.session.execute(
            select(func.count()).select_from(
                handovers_query(current_user).where(Handover.state == "offered").subquery())
        ).scalar_one()
    return render_template("web/home.html", buildings=buildings, waiting=waiting)
