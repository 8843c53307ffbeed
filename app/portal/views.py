"""The resident's own pages (`/mijn/…`) and the coach's page that makes their letter.

A resident's session reaches these pages and nothing else: `confine_residents` runs before
every request of the application and answers 404 anywhere else (staff pages and the API),
ends a session idle for `IDLE_LIMIT`, and ends it at once when the access has ended."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup

from app.auth.access import require
from app.auth.permissions import Permission, Role
from app.db import db, utcnow
from app.errors import Refused
from app.portal import operations as ops
from app.portal.forms import ActivateForm, ConfirmForm, MessageForm, SignInForm
from app.portal.models import MessageKind
from app.portal.reading import log_own_view, own_page
from app.residents.scope import resident_for_consents
from app.web.pages import confirmed, show_refusal
from app.web.views import signed_out

bp = Blueprint("portal", __name__, template_folder="templates")

# Open to a resident's session: their own pages and what every page needs.
RESIDENT_ENDPOINTS = frozenset({
    "portal.home", "portal.withdraw", "portal.message", "portal.sign_out",
    "portal.sign_in", "portal.activate",
    "web.static", "web.favicon", "web.set_language",
})
_ASSETS = frozenset({"web.static", "web.favicon"})
_SEEN = "resident_seen"


@bp.before_app_request
def confine_residents() -> Any:
    """The one gate for a resident's session (see the module's docstring)."""
    if request.endpoint in _ASSETS:
        return None  # open to everyone: no need to load who is asking
    if not current_user.is_authenticated or current_user.role != Role.RESIDENT:
        return None
    if request.endpoint not in RESIDENT_ENDPOINTS:
        abort(404)
    now = utcnow().timestamp()
    seen = session.get(_SEEN)
    idle = not isinstance(seen, (int, float)) or now - seen > ops.IDLE_LIMIT.total_seconds()
    if idle or not ops.still_open(current_user):
        return signed_out(
            current_user,
            _("You were signed out after 15 minutes without activity. Sign in again.") if idle
            else _("Your access has ended. Ask your flatcoach if you want a new letter."),
            "portal.sign_in")
    session[_SEEN] = now
    return None


def resident_page(permission: Permission) -> Callable[[Any], Any]:
    """A page of the signed-in resident: sign in first; staff have no business here."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("portal.sign_in"))
            if current_user.role != Role.RESIDENT or not current_user.can(permission):
                abort(404)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _start_session(user: Any, welcome: str | None = None) -> Any:
    session.clear()
    session.permanent = False  # no "remember me": the browser forgets it when closed
    login_user(user)
    session[_SEEN] = utcnow().timestamp()
    if welcome:
        flash(welcome)
    return redirect(url_for("portal.home"))


def _signed_in_already() -> Any:
    """A resident goes to their page; a staff session has no business signing a resident in."""
    if current_user.role == Role.RESIDENT:
        return redirect(url_for("portal.home"))
    abort(404)


def _refused(form: Any, refused: Refused, default: str) -> None:
    show_refusal(refused, form, refused.field or default)


def _signing_in(form: Any, attempt: Callable[[], Any], field: str, refused_status: int,
                template: str, welcome: str | None = None) -> Any:
    """A sign-in form of the resident's: a failed attempt is counted (committed) and said at
    `field`; a good one starts the session."""
    status = 200
    if form.validate_on_submit():
        try:
            user = attempt()
        except ops.SignInThrottled as throttled:
            db.session.commit()
            getattr(form, field).errors = [_("Too many attempts. Try again in %(seconds)s "
                                             "seconds.", seconds=throttled.retry_after)]
            status = 429
        except Refused as refused:
            db.session.commit()
            _refused(form, refused, field)
            status = refused_status
        else:
            return _start_session(user, welcome)
    elif form.is_submitted():
        status = 422
    return render_template(template, form=form), status


@bp.route("/mijn/activeren", methods=["GET", "POST"])
def activate() -> Any:
    """First use of the letter. The QR code carries the code after `#`, which never reaches
    the server: the page's script copies it into the field."""
    if current_user.is_authenticated:
        return _signed_in_already()
    form = ActivateForm()
    return _signing_in(
        form, lambda: ops.activate(form.account_number.data, form.code.data, form.pin.data,
                                   request.remote_addr or ""),
        "code", 422, "portal/activate.html",
        _("Welcome. From now on you sign in with your number and your PIN."))


@bp.route("/mijn/inloggen", methods=["GET", "POST"])
def sign_in() -> Any:
    if current_user.is_authenticated:
        return _signed_in_already()
    form = SignInForm()
    return _signing_in(
        form, lambda: ops.sign_in(form.account_number.data, form.pin.data,
                                  request.remote_addr or ""),
        "pin", 401, "portal/sign_in.html")


@bp.route("/mijn/uitloggen", methods=["POST"])
@resident_page(Permission.OWN_DATA_READ)
def sign_out() -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return signed_out(current_user, _("You have signed out."), "portal.sign_in")


@bp.route("/mijn")
@resident_page(Permission.OWN_DATA_READ)
def home() -> Any:
    page = own_page(current_user)
    return render_template("portal/home.html", form=ConfirmForm(), **page)


@bp.route("/mijn/toestemming/<uuid:consent_id>/intrekken", methods=["GET", "POST"])
@resident_page(Permission.OWN_CONSENTS_WITHDRAW)
def withdraw(consent_id: uuid.UUID) -> Any:
    try:
        consent = ops.own_consent(current_user, consent_id)
    except ops.NotOwn:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            ops.withdraw_consent(current_user, consent.id)
        except Refused as refused:
            show_refusal(refused)
        else:
            flash(_("Your consent has been withdrawn. Your flatcoach has been told."))
        return redirect(url_for("portal.home", _anchor="consents"))
    log_own_view(current_user, subject=consent)
    return render_template("portal/withdraw.html", form=form, consent=consent,
                           can_withdraw=consent.is_valid_at(utcnow()))


@bp.route("/mijn/bericht", methods=["GET", "POST"])
@resident_page(Permission.OWN_MESSAGES_SEND)
def message() -> Any:
    form = MessageForm()
    if form.validate_on_submit():
        try:
            ops.send_message(current_user, MessageKind(form.kind.data), form.text.data or "")
        except Refused as refused:
            _refused(form, refused, "text")
        else:
            flash(_("Sent. Your flatcoach will get back to you."))
            return redirect(url_for("portal.home"))
    if not form.is_submitted():
        log_own_view(current_user)
    status = 422 if form.is_submitted() else 200
    return render_template("portal/message.html", form=form), status


# The coach's side: the letter, the state of the access, messages; revoking it.


def _qr(url: str) -> Markup:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False,
                                    svgns=True, title=_("QR code to open your page"))
    return Markup(out.getvalue().decode())  # noqa: S704 - SVG made here, from our own URL


def _access_page(resident: Any, status: int = 200) -> Any:
    """The state of the resident's access and, for their coach, the resident's messages."""
    access = ops.access_of(resident.id)
    coach = current_user.role == Role.FLATCOACH
    messages = ops.messages_of(resident.id) if coach else []
    state = ops.status(access, resident, utcnow())
    page = render_template(
        "portal/access.html", resident=resident, access=access, state=state,
        can_close=state in ops.OPEN_STATES, messages=messages, form=ConfirmForm(),
        can_issue=coach, days=ops.CODE_LIFETIME.days, max_failures=ops.MAX_FAILURES)
    if any(m.read_at is None for m in messages):
        ops.mark_read(messages)
    return page, status


@bp.route("/residents/<uuid:resident_id>/own-page")
@require(Permission.RESIDENT_ACCESS_MANAGE)
def resident_access(resident_id: uuid.UUID) -> Any:
    return _access_page(resident_for_consents(current_user, resident_id))


@bp.route("/residents/<uuid:resident_id>/own-page/letter", methods=["POST"])
@require(Permission.RESIDENT_ACCESS_MANAGE)
def issue_letter(resident_id: uuid.UUID) -> Any:
    resident = resident_for_consents(current_user, resident_id)
    if current_user.role != Role.FLATCOACH:
        abort(404)  # the letter is handed over in person, by the coach
    if not confirmed():
        return redirect(url_for("portal.resident_access", resident_id=resident.id))
    try:
        letter = ops.issue_letter(current_user, resident)
    except Refused as refused:
        show_refusal(refused)
        return _access_page(resident, status=422)
    # The code is shown this once, on the printable letter: it is not kept.
    response = render_template("portal/letter.html", letter=letter, resident=resident,
                               qr=_qr(url_for("portal.activate", _external=True) + "#"
                                      + f"n={letter.account_number}&c={letter.code}"),
                               sign_in_url=url_for("portal.sign_in", _external=True),
                               days=ops.CODE_LIFETIME.days)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/residents/<uuid:resident_id>/own-page/revoke", methods=["POST"])
@require(Permission.RESIDENT_ACCESS_MANAGE)
def revoke(resident_id: uuid.UUID) -> Any:
    resident = resident_for_consents(current_user, resident_id)
    if confirmed():
        try:
            ops.revoke(current_user, resident)
        except Refused as refused:
            show_refusal(refused)
        else:
            flash(_("The resident's own page is closed. Every session of it has ended."))
    return redirect(url_for("portal.resident_access", resident_id=resident.id))
