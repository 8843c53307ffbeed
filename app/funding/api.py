"""Funding streams and a funder's account for the coordinator: the streams with what they
pay for (tagging coach assignments and activities through `deployments` and `activity_ids`),
and the account of a stream for a period — aggregates only, small cells suppressed."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.db import db, utcnow
from app.funding.account import PeriodUnknown, period_of, view_account
from app.funding.export import account_csv
from app.funding.models import FundingStream
from app.funding.operations import create_stream, local_day, update_stream
from app.funding.schemas import (
    AccountQuerySchema,
    AccountSchema,
    StreamCreateSchema,
    StreamSchema,
    StreamUpdateSchema,
)
from app.pagination import paginate
from policies import Action

blp = api_blueprint("funding", __name__, "/funding-streams",
                    "Funding streams and the account each funder receives (aggregates only)")

def _stream(stream_id: int) -> FundingStream:
    stream = db.session.get(FundingStream, stream_id)
    if stream is None:
        not_found()
    return stream


@blp.route("")
@require(Permission.FUNDING_MANAGE)
@blp.response(200, StreamSchema(many=True))
@blp.paginate()
def list_streams(pagination_parameters: Any) -> Any:
    """Every funding stream, the latest first, with what it pays for."""
    return paginate(select(FundingStream).order_by(FundingStream.starts_on.desc(),
                                                   FundingStream.name, FundingStream.id),
                    pagination_parameters)


@blp.route("", methods=["POST"])
@require(Permission.FUNDING_MANAGE)
@blp.arguments(StreamCreateSchema)
@blp.response(201, StreamSchema)
@blp.alt_response(422, description="Invalid input; no funder or two (an organisation and a "
                  "name); an unknown organisation; a deployment of a coach who does not work "
                  "the building or outside the period; an activity cancelled or outside the "
                  "period")
def create(data: dict[str, Any]) -> Any:
    """Record a stream: a funder (`funder_organization_id`, or `funder_name` for a funder
    outside the register), a name, the period, an optional budget, the help themes it funds,
    and what it pays for: `deployments` (coach assignments) and `activity_ids`."""
    stream = create_stream(current_user, data)
    return stream


@blp.route("/<int:stream_id>")
@require(Permission.FUNDING_MANAGE)
@blp.response(200, StreamSchema)
@blp.alt_response(404, description="Unknown stream")
def get_stream(stream_id: int) -> Any:
    """One stream with its deployments and activities."""
    return _stream(stream_id)


@blp.route("/<int:stream_id>", methods=["PATCH"])
@require(Permission.FUNDING_MANAGE)
@blp.arguments(StreamUpdateSchema)
@blp.response(200, StreamSchema)
@blp.alt_response(404, description="Unknown stream")
@blp.alt_response(422, description="Invalid input, or a change the rules do not allow (see "
                  "creating a stream; a new period must still hold what is tagged)")
def update(data: dict[str, Any], stream_id: int) -> Any:
    """Change what is sent. `activity_ids` and `deployments` replace the stream's tags;
    naming a funder organisation clears an external funder's name and the other way round."""
    stream = _stream(stream_id)
    update_stream(current_user, stream, data)
    return stream


def _account(stream_id: int, args: dict[str, Any], action: Action, how: str) -> Any:
    stream = _stream(stream_id)
    try:
        period = period_of(stream, args["period"], local_day(utcnow()))
    except PeriodUnknown:
        message = _("This stream has no such period: choose its whole period, or a calendar "
                    "year or quarter of it that has begun.")
        abort(422, message=message, errors={"period": [message]})
    result = view_account(current_user, stream, period, action, how)
    return result


@blp.route("/<int:stream_id>/account")
@require(Permission.FUNDING_MANAGE)
@blp.arguments(AccountQuerySchema, location="query")
@blp.response(200, AccountSchema)
@blp.alt_response(404, description="Unknown stream")
@blp.alt_response(422, description="A period that is not one of the stream's (or has not "
                  "begun)")
def account(args: dict[str, Any], stream_id: int) -> Any:
    """The funder's account of the stream for a period: the key figures and each part as a
    table — doors knocked, conversations and residents reached in the funded buildings;
    help questions by theme; warm handovers offered and help started; check-ins; the
    stream's Buurtkamer activities and participation. Aggregates only: a cell counting 1 to
    4 people is hidden (`<5`), and so is any cell it could be worked out from (`•`). Logged
    in the processing log (activity `neighbourhood_insight`)."""
    return _account(stream_id, args, Action.VIEW_INSIGHT, "api")


@blp.route("/<int:stream_id>/account/csv")
@require(Permission.FUNDING_MANAGE)
@blp.arguments(AccountQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="The account as CSV: part, row, part of, column, value (as shown, "
                          "marks included), one line per cell.")
@blp.alt_response(404, description="Unknown stream")
@blp.alt_response(422, description="A period that is not one of the stream's")
def account_export(args: dict[str, Any], stream_id: int) -> Any:
    """The account as a CSV file, logged as an export of neighbourhood insight."""
    return account_csv(_account(stream_id, args, Action.EXPORT, "csv"))
