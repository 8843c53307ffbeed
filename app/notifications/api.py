from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.notifications.models import NotificationKind
from app.notifications.operations import (
    NotificationNotFound,
    inbox_query,
    mark_all_read,
    mark_read,
    unread_count,
)
from app.notifications.reading import describe
from app.pagination import paginate

blp = api_blueprint("notifications", __name__, "/notifications",
                    "The caller's own notifications")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [str(k) for k in NotificationKind]})
    subject = fields.String(metadata={"description": "What happened, in the caller's language"})
    resident = fields.String(allow_none=True, metadata={
        "description": "The resident's name: only for the coach of the resident's building"})
    created_at = fields.DateTime()
    read = fields.Boolean()
    url = fields.String(metadata={"description": "The page of the object concerned"})


class UnreadSchema(Schema):
    unread = fields.Integer()


class MarkedSchema(Schema):
    marked = fields.Integer()


@blp.route("")
@require(Permission.NOTIFICATIONS_READ)
@blp.response(200, NotificationSchema(many=True))
@blp.paginate()
def list_notifications(pagination_parameters: Any) -> Any:
    """The caller's notifications, newest first; they say no more than the object's page."""
    return describe(current_user, paginate(inbox_query(current_user), pagination_parameters))


@blp.route("/unread")
@require(Permission.NOTIFICATIONS_READ)
@blp.response(200, UnreadSchema)
def unread() -> Any:
    """How many of the caller's notifications are unread."""
    return {"unread": unread_count(current_user)}


@blp.route("/<int:notification_id>/read", methods=["POST"])
@require(Permission.NOTIFICATIONS_READ)
@blp.response(200, NotificationSchema)
@blp.alt_response(404, description="Not one of the caller's notifications")
def read_one(notification_id: int) -> Any:
    """Mark one notification as read."""
    try:
        notification = mark_read(current_user, notification_id)
    except NotificationNotFound:
        abort(404)
    return describe(current_user, [notification])[0]


@blp.route("/read", methods=["POST"])
@require(Permission.NOTIFICATIONS_READ)
@blp.response(200, MarkedSchema)
def read_all() -> Any:
    """Mark all of the caller's notifications as read."""
    marked = mark_all_read(current_user)
    return {"marked": marked}
