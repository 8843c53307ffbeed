"""`POST /api/v1/sync` for clients with a bearer token (an app of their own, a script). The
pages' phones send the same batch to `POST /sync` with their session and CSRF token
(`app.sync.views`): the API never reads a session cookie."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.sync.operations import apply_batch, tally
from app.sync.schemas import SyncAnswerSchema, SyncBatchSchema

blp = api_blueprint("sync", __name__, "/sync", "Recordings made at the door without a signal")


@blp.route("", methods=["POST"])
@require(Permission.VISITS_CREATE)
@blp.arguments(SyncBatchSchema)
@blp.response(200, SyncAnswerSchema)
def sync(data: dict[str, Any]) -> Any:
    """Apply recordings made offline (visits, conversations, new residents), each once.

    Each recording carries a client id (UUID, the idempotency key: sending it again answers
    `already_applied` and changes nothing), the time at the door and the id of the user who
    recorded it (the caller's, else refused). Applied in the order recorded, under the same
    rules and scope as `POST /api/v1/visits` and `POST /api/v1/residents`; one result per
    recording in the order sent: `applied`, `already_applied` or `refused` with the reason.
    A refused recording changes nothing. Visits are events: two coaches' recordings of one
    door both stay, and the door's latest answers follow the time at the door. A new
    resident whose name is similar to one of the door's residents is flagged as a possible
    duplicate (`possible_duplicate_of`), never merged. Opening cases, consents and
    handovers are online only."""
    answer = tally(apply_batch(current_user, data["items"]))
    return answer
