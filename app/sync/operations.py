"""Applying recordings made at the door: each once (its client id is the idempotency key),
in the order recorded, through the same commands, scope and rules as the online pages."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from app.auth.models import User
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.buildings.scope import dwelling_in_scope
from app.db import db, utcnow
from app.errors import Refused
from app.residents.duplicates import open_flags_of
from app.residents.operations import register_resident
from app.sync.models import SyncKind, SyncReceipt
from app.sync.rules import recorded_at_problem
from app.sync.schemas import SyncItemSchema
from app.visits.operations import record_visit

APPLIED, ALREADY_APPLIED, REFUSED = "applied", "already_applied", "refused"


@dataclass
class Result:
    client_id: uuid.UUID | None
    status: str
    message: str | None = None
    errors: dict[str, Any] = field(default_factory=dict)
    object_type: str | None = None
    object_id: uuid.UUID | None = None
    possible_duplicate_of: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Batch:
    user: User
    now: datetime
    items: dict[int, dict[str, Any]]
    results: dict[int, Result] = field(default_factory=dict)
    dwellings: dict[int, Dwelling | None] = field(default_factory=dict)
    by_client_id: dict[uuid.UUID, int] = field(default_factory=dict)
    # The receipts of the client ids this batch names (sent or referred to), read at once.
    receipts: dict[uuid.UUID, SyncReceipt] = field(default_factory=dict)


def apply_batch(user: User, raw_items: Sequence[Any]) -> list[Result]:
    """One result per recording, in the order sent. Recordings are applied in the order
    recorded at the door (a new resident before the conversation that names them), each in a
    savepoint of its own: a refused one changes nothing, and stays on the phone. Flushes; the
    caller commits once."""
    batch = Batch(user, utcnow(), {})
    for index, raw in enumerate(raw_items):
        try:
            batch.items[index] = SyncItemSchema().load(raw)
        except ValidationError as invalid:
            batch.results[index] = _invalid(raw, invalid)
    for index, item in batch.items.items():
        batch.by_client_id.setdefault(item["client_id"], index)
    _read_receipts(batch)
    _lock_dwellings(batch)
    order = sorted(batch.items, key=lambda i: (batch.items[i]["recorded_at"],
                                               batch.items[i]["kind"] != SyncKind.RESIDENT, i))
    for index in order:
        _apply(batch, index)
    return [batch.results[index] for index in range(len(raw_items))]


def _invalid(raw: Any, invalid: ValidationError) -> Result:
    client_id = None
    if isinstance(raw, Mapping):
        try:
            client_id = uuid.UUID(str(raw.get("client_id")))
        except ValueError:
            client_id = None
    messages = invalid.messages if isinstance(invalid.messages, dict) else {
        "_schema": invalid.messages}
    reasons = list(dict.fromkeys(_texts(messages)))
    return Result(client_id, REFUSED,
                  _("The recording is not valid: %(reasons)s", reasons=" ".join(reasons)),
                  errors=messages)


def _texts(messages: Any) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, Mapping):
        return [text for value in messages.values() for text in _texts(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _texts(value)]
    return [str(messages)]


def _read_receipts(batch: Batch) -> None:
    named = set(batch.by_client_id)
    for item in batch.items.values():
        visit = item.get("visit") or {}
        if visit.get("resident_client_id") is not None:
            named.add(visit["resident_client_id"])
    if named:
        batch.receipts = {receipt.client_id: receipt for receipt in db.session.execute(
            select(SyncReceipt).where(SyncReceipt.client_id.in_(sorted(named)))).scalars()}


def _lock_dwellings(batch: Batch) -> None:
    """Every door of the batch, in one order, before anything is written: the same order as
    one online recording (its door, then the logs' heads), so a batch and the pages never
    wait on each other in a circle. Doors outside the coach's scope are not locked. A door
    is in scope when its building is (`dwelling_in_scope`), so one door per building asks."""
    wanted = sorted({_dwelling_id(item) for item in batch.items.values()} - {None})
    batch.dwellings = dict.fromkeys(wanted)
    found = db.session.execute(select(Dwelling).where(Dwelling.id.in_(wanted))
                               .order_by(Dwelling.building_id, Dwelling.id)).scalars().all()
    for _building_id, doors in groupby(found, key=lambda dwelling: dwelling.building_id):
        doors = list(doors)
        try:
            dwelling_in_scope(batch.user, doors[0].id)
        except NotFound:
            continue
        batch.dwellings.update((dwelling.id, dwelling) for dwelling in doors)
    ids = sorted(i for i, dwelling in batch.dwellings.items() if dwelling is not None)
    if ids:
        db.session.execute(select(Dwelling.id).where(Dwelling.id.in_(ids))
                           .order_by(Dwelling.id).with_for_update(key_share=True))


def _dwelling_id(item: Mapping[str, Any]) -> int | None:
    payload = item.get(str(item["kind"]))
    return payload.get("dwelling_id") if payload else None


def _apply(batch: Batch, index: int) -> Result:
    if index in batch.results:
        return batch.results[index]
    item = batch.items[index]
    try:
        result = _apply_once(batch, item)
    except Refused as refused:
        result = Result(item["client_id"], REFUSED, refused.message, errors=refused.errors)
    batch.results[index] = result
    return result


def _apply_once(batch: Batch, item: dict[str, Any]) -> Result:
    user, client_id = batch.user, item["client_id"]
    if item["recorded_by"] != user.id:
        raise Refused(message=_("Recorded by another user than the one logged in: it cannot be "
                                "sent under this account."))
    receipt = batch.receipts.get(client_id)
    if receipt is not None:
        return _already_applied(user, receipt)
    problem = recorded_at_problem(item["recorded_at"], batch.now)
    if problem is not None:
        raise Refused(message=problem)
    kind = SyncKind(item["kind"])
    payload = dict(item[str(kind)])
    dwelling = batch.dwellings.get(payload["dwelling_id"])
    if dwelling is None:
        raise Refused(message=_("This dwelling is unknown or not in one of your buildings."))
    if kind == SyncKind.VISIT:
        payload = _resident_of_visit(batch, payload)
    try:
        with db.session.begin_nested():
            made = _make(user, kind, dwelling, payload, item["recorded_at"])
            receipt = SyncReceipt(client_id=client_id, user_id=user.id, kind=kind,
                                  object_id=made.id, recorded_at=item["recorded_at"],
                                  received_at=batch.now)
            db.session.add(receipt)
            db.session.flush()
    except IntegrityError:
        # Sent twice at once: the other request applied it first.
        receipt = db.session.get(SyncReceipt, client_id, populate_existing=True)
        if receipt is None:
            raise
        return _already_applied(user, receipt)
    batch.receipts[client_id] = receipt
    return _made(kind, client_id, made.id, APPLIED)


def _make(user: User, kind: SyncKind, dwelling: Dwelling, payload: dict[str, Any],
          recorded_at: datetime) -> Any:
    if kind == SyncKind.RESIDENT:
        if not user.can(Permission.RESIDENTS_CREATE):
            raise Refused(message=_("Your role does not allow this action."))
        return register_resident(user, dwelling, payload)
    return record_visit(user, dwelling, payload, visited_at=recorded_at)


def _resident_of_visit(batch: Batch, payload: dict[str, Any]) -> dict[str, Any]:
    """A conversation naming a resident registered by an earlier recording: that one first,
    then its resident's id."""
    client_id = payload.pop("resident_client_id", None)
    if client_id is None:
        return payload
    if client_id in batch.by_client_id:
        _apply(batch, batch.by_client_id[client_id])
    receipt = batch.receipts.get(client_id)
    if (receipt is None or receipt.user_id != batch.user.id
            or receipt.kind != SyncKind.RESIDENT):
        raise Refused(message=_("The new resident this conversation names was not registered."))
    return {**payload, "resident_id": receipt.object_id}


def _already_applied(user: User, receipt: SyncReceipt) -> Result:
    if receipt.user_id != user.id:
        raise Refused(message=_("This client id belongs to another recording."))
    return _made(receipt.kind, receipt.client_id, receipt.object_id, ALREADY_APPLIED)


def _made(kind: SyncKind, client_id: uuid.UUID, object_id: uuid.UUID, status: str) -> Result:
    result = Result(client_id, status, object_type=str(kind), object_id=object_id)
    if kind == SyncKind.RESIDENT:
        result.possible_duplicate_of = open_flags_of([object_id]).get(object_id, [])
        if result.possible_duplicate_of:
            result.message = _("Possibly the same person as a resident already registered "
                               "at this door: merge them or keep them apart on the door's "
                               "page.")
    return result


def tally(results: Sequence[Result]) -> dict[str, Any]:
    """The answer: each result, and how many were applied, already applied and refused."""
    counts = {status: sum(1 for r in results if r.status == status)
              for status in (APPLIED, ALREADY_APPLIED, REFUSED)}
    return {"results": results, **counts}
