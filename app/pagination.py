from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from app.db import db


def paginate(query: Select[Any], pagination_parameters: Any) -> list[Any]:
    """Run `query` for one page and tell flask-smorest the total for `X-Pagination`."""
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    if (page - 1) * size >= total:
        # Past the end: no query, so an absurd page number cannot overflow the OFFSET.
        return []
    return list(db.session.execute(query.offset((page - 1) * size).limit(size)).scalars())
