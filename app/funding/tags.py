"""What a stream is tagged on, as other features show it beside their own objects."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.db import db
from app.funding.models import FundedDeployment


def streams_of_assignments(building_id: int) -> dict[int, list[FundedDeployment]]:
    """Per coach of the building, the deployments of funding streams tagged on the
    assignment (with their stream), in the order they start."""
    found: dict[int, list[FundedDeployment]] = {}
    for deployment in db.session.execute(
            select(FundedDeployment).where(FundedDeployment.building_id == building_id)
            .options(joinedload(FundedDeployment.stream))
            .order_by(FundedDeployment.starts_on, FundedDeployment.id)).scalars():
        found.setdefault(deployment.coach_id, []).append(deployment)
    return found
