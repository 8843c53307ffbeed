"""The floor of the stack: a bare Flask app with its own Flask-SQLAlchemy instance on the
same database URL and the product's engine options (pool_pre_ping, hide_parameters, …; on
SQLite the same BEGIN IMMEDIATE and WAL setup). Its one endpoint validates a JSON body with
marshmallow and inserts one row with one commit — what any endpoint that writes must do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Integer, MetaData, String, Text
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
