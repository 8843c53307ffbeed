"""The declarative base and the column types every model shares."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    Enum,
    MetaData,
    String,
    TypeDecorator,
    Uuid,
    event,
    func,
)
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def canonical_json(value: Any) -> str:
    """JSON as every JSON column stores it: compact, sorted keys. The log hash chains rely
    on the stored text being exactly this."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# The one escape character of every LIKE pattern the app builds (`contains_text`).
LIKE_ESCAPE = "\\"


def contains_text(expression: Any, text: str) -> ColumnElement[bool]:
    """`expression` contains `text`, ignoring case; `%`, `_` and the escape character in
    `text` match themselves, not any text. Every LIKE in the app is built here."""
    escaped = (text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
               .replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_"))
    return func.lower(expression).like(f"%{escaped}%", escape=LIKE_ESCAPE)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """An enum stored by value as a plain string with a CHECK constraint."""
    return Enum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        length=length,
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            uuid.UUID: Uuid(),
            dict[str, Any]: JSON(),
            list[str]: JSON(),
            str: String(),
        },
    )


# Objects stay loaded after a commit: a view commits once and then serialises what it
# changed, and reloading every row for that would double the statements of a request.
SESSION_OPTIONS: dict[str, Any] = {"expire_on_commit": False}

db = SQLAlchemy(model_class=Base, session_options=dict(SESSION_OPTIONS))


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite transactional like PostgreSQL.

    pysqlite defers BEGIN and so breaks SAVEPOINTs; we take control and begin every
    transaction IMMEDIATE, which takes the write lock up front: read-check-write sequences
    (version checks, log chain appends) are serialised, the way SELECT … FOR UPDATE
    serialises them on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
