"""The floor of the stack: a bare Flask app with its own Flask-SQLAlchemy instance on the
same database URL and the product's engine options (pool_pre_ping, hide_parameters, …; on
SQLite the same BEGIN IMMEDIATE and WAL setup). Its one endpoint validates a JSON body with
marshmallow and inserts one row with one commit — what any endpoint that writes must do.

The same-work floor (`/same-work/<id>`) does, bare, the statements a transition needs: the
bearer token's lookup, the subject's row locked, version and state checked, the row updated,
one hash-chained event appended (chain head locked, event inserted, head moved), one commit."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Integer, MetaData, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db import UTCDateTime, configure_sqlite, utcnow


class FloorBase(DeclarativeBase):
    metadata = MetaData()


floor_db = SQLAlchemy(model_class=FloorBase)


class FloorRow(floor_db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_floor_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FloorSchema(Schema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=40))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = fields.String(validate=validate.Length(max=1000))


_schema = FloorSchema()


def insert_one() -> Any:
    try:
        data = _schema.load(request.get_json())
    except ValidationError as error:
        return jsonify(errors=error.messages), 422
    row = FloorRow(**data)
    floor_db.session.add(row)
    floor_db.session.flush()
    body = {"id": row.id, **data}
    floor_db.session.commit()
    return jsonify(body), 201


def floor_app(url: str, engine_options: dict[str, Any]) -> Flask:
    """`engine_options`: the product's own (its app.config["SQLALCHEMY_ENGINE_OPTIONS"])."""
    application = Flask("bench_floor")
    application.config.update(
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(engine_options),
    )
    floor_db.init_app(application)
    with application.app_context():
        if floor_db.engine.dialect.name == "sqlite":
            configure_sqlite(floor_db.engine)
        FloorBase.metadata.create_all(floor_db.engine)
    application.add_url_rule("/floor", "insert_one", insert_one, methods=["POST"])
    application.add_url_rule("/same-work/<int:subject_id>", "same_work", same_work,
                             methods=["POST"])
    return application


def engine_of(application: Flask) -> Any:
    with application.app_context():
        return floor_db.engine


def dispose_floor(application: Flask) -> None:
    with application.app_context():
        floor_db.session.remove()
        floor_db.engine.dispose()


class FloorCaller:
    """One floor request per call."""

    def __init__(self, client: Any):
        self.client = client
        self.version = 1

    def __call__(self) -> None:
        response = self.client.post("/floor", json={"trigger": "pause", "version": self.version,
                                                    "reason": "op vakantie"})
        if response.status_code != 201:
            raise RuntimeError(f"floor insert failed: {response.status_code}")
        self.version += 1


# --------------------------------------------------------------------------- the same work


class SameWorkToken(floor_db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_same_work_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer)


class SameWorkSubject(floor_db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_same_work_subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)


class SameWorkHead(floor_db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_same_work_heads"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class SameWorkEvent(floor_db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_same_work_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


SAME_WORK_TOKEN = "same-work-bench-token"  # noqa: S105 - a throwaway benchmark token
_MOVES = {("pause", "exploring"): "paused", ("resume", "paused"): "exploring"}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def same_work(subject_id: int) -> Any:
    """What a transition must do, written bare: validate the body, look up the bearer token,
    lock the subject's row, check version and state, update it, append one hash-chained
    event (lock the chain head, insert, move the head) and commit once."""
    try:
        data = _schema.load(request.get_json())
    except ValidationError as error:
        return jsonify(errors=error.messages), 422
    session = floor_db.session
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ")
    user_id = session.execute(select(SameWorkToken.user_id).where(
        SameWorkToken.token_hash == _digest(raw))).scalar_one_or_none()
    if user_id is None:
        return jsonify(message="unauthenticated"), 401
    subject = session.get(SameWorkSubject, subject_id, with_for_update=True)
    if subject is None:
        return jsonify(message="not found"), 404
    if subject.version != data["version"]:
        session.rollback()
        return jsonify(message="stale version"), 409
    dest = _MOVES.get((data["trigger"], subject.state))
    if dest is None:
        session.rollback()
        return jsonify(message="not allowed now"), 422
    source = subject.state
    subject.state, subject.version = dest, subject.version + 1
    head = session.get(SameWorkHead, "audit", with_for_update=True)
    assert head is not None
    now = utcnow()
    payload = "\x1f".join(str(v) for v in (head.last_seq + 1, now.isoformat(), user_id,
                                           subject_id, data["trigger"], source, dest))
    event = SameWorkEvent(seq=head.last_seq + 1, occurred_at=now, actor_id=user_id,
                          subject_id=subject_id, trigger=data["trigger"], from_state=source,
                          to_state=dest, prev_hash=head.last_hash,
                          hash=_digest(f"{head.last_hash}\x1f{payload}"))
    head.last_seq, head.last_hash = event.seq, event.hash
    session.add(event)
    session.commit()
    return jsonify({"id": subject_id, "state": dest, "version": subject.version}), 200


def seed_same_work(application: Flask, n_subjects: int) -> None:
    with application.app_context():
        session = floor_db.session
        session.add(SameWorkToken(token_hash=_digest(SAME_WORK_TOKEN), user_id=1))
        session.add_all(SameWorkSubject(id=i, state="exploring", version=1)
                        for i in range(1, n_subjects + 1))
        session.add(SameWorkHead(name="audit", last_seq=0, last_hash="0" * 64))
        session.commit()


class SameWorkCaller:
    """Pause/resume alternately on a pool of subjects, as `CaseToggler` does on cases."""

    def __init__(self, client: Any, n_subjects: int):
        self.client = client
        self.headers = {"Authorization": f"Bearer {SAME_WORK_TOKEN}"}
        self.pool = [[i, 1, False] for i in range(1, n_subjects + 1)]
        self.i = 0

    def __call__(self) -> None:
        entry = self.pool[self.i % len(self.pool)]
        self.i += 1
        subject_id, version, paused = entry
        body = ({"trigger": "resume", "version": version} if paused
                else {"trigger": "pause", "version": version, "reason": "op vakantie"})
        response = self.client.post(f"/same-work/{subject_id}", json=body, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"same-work transition failed: {response.status_code}")
        entry[1] = response.get_json()["version"]
        entry[2] = not paused
