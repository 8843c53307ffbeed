"""What a stream is tagged on, as other features show it beside their own objects."""

from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.funding.models import ActivityFunding


def streams_of_activity(activity_id: int) -> list[int]:
    """The ids of the funding streams that pay for the activity."""
    return list(db.session.execute(
        select(ActivityFunding.stream_id).where(ActivityFunding.activity_id == activity_id)
        .order_by(ActivityFunding.stream_id)).scalars())
