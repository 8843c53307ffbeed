"""The inbox page: what happened to the objects a user works on, newest first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.access import require
from app.auth.permissions import Permission
from app.notifications.operations import (
    NotificationNotFound,
    inbox_query,
    mark_all_read,
    mark_read,
    unread_count,
)
from app.notifications.reading import describe, target
from app.security import redirect_target
from app.web.pages import paginate

bp = Blueprint("notifications_pages", __name__, template_folder="templates")


@bp.route("/notifications")
@require(Permission.NOTIFICATIONS_READ)
def inbox() -> Any:
    page = paginate(inbox_query(current_user))
    return render_template("notifications/inbox.html", page=page,
                           items=describe(current_user, page.items),
                           unread=unread_count(current_user))


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@require(Permission.NOTIFICATIONS_READ)
def open_notification(notification_id: int) -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        notification = mark_read(current_user, notification_id)
    except NotificationNotFound:
        abort(404)
    return redirect(redirect_target(target(current_user, notification),
                                    "notifications_pages.inbox"))


@bp.route("/notifications/read", methods=["POST"])
@require(Permission.NOTIFICATIONS_READ)
def read_all() -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    marked = mark_all_read(current_user)
    if not marked:
        return redirect(url_for("notifications_pages.inbox"))
    from flask import flash

    flash(_("All notifications marked as read."))
    return redirect(url_for("notifications_pages.inbox"))


@bp.app_context_processor
def _header() -> dict[str, Any]:
    return {"unread_notifications": unread_for_header}


def unread_for_header() -> int:
    """The count shown beside the menu on every page (one COUNT of an indexed column)."""
    if not current_user.is_authenticated or not current_user.can(Permission.NOTIFICATIONS_READ):
        return 0
    return unread_count(current_user)
