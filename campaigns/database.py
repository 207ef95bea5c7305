"""Declarative base, constraint naming and the UTC timestamp type every model uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, Engine, MetaData, String, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# Named constraints let migrations drop and alter them on every backend (SQLite included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    """A random public identifier (OSDI's `campaigns:<uuid>`): unlike the integer id it tells
    nobody how many people an organization has or when someone joined."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL would convert."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class utc_iso(FunctionElement):  # noqa: N801 (named as SQL functions are)
    """A UTCDateTime column as ISO 8601 text to the second, `2025-03-25T14:02:11Z`, formatted
    by the database: for pages of a hundred rows that is cheaper than a datetime per value."""

    type = String()
    inherit_cache = True
    name = "utc_iso"


@compiles(utc_iso, "postgresql")
def _utc_iso_postgresql(element, compiler, **kw):
    return f"""to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


@compiles(utc_iso, "sqlite")
def _utc_iso_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def dialect_insert(dialect: str, table):
    """INSERT with ON CONFLICT support for `dialect` ("postgresql" or "sqlite")."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


POOLERS = ("", "pgbouncer")


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with what DATABASE_POOLER asks for.

    Behind PgBouncer in transaction mode each transaction may run on another server
    connection. psycopg prepares a statement on the server once it has run it
    `prepare_threshold` (5) times, and finds it missing, or another client's under the same
    name, on the next one: "prepared statement "_pg3_0" does not exist". PgBouncer before
    1.21 cannot follow them (Debian 12 ships 1.18), so psycopg must never prepare. Nothing
    else the app does keeps state on a server connection beyond its transaction.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    pooler = config.get("DATABASE_POOLER") or ""
    if pooler not in POOLERS:
        raise ValueError(f"DATABASE_POOLER is {pooler!r}; it may be empty or 'pgbouncer'")
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if pooler == "pgbouncer" and url.get_backend_name() == "postgresql":
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
    return options


_AUTOCOMMIT_ENGINE = "campaigns.autocommit_engine"


def autocommit_engine(app: Flask, primary: Engine) -> Engine:
    """A second pool to `primary`'s database for hot paths that write in one statement.

    In autocommit mode a single statement is its own transaction, so there is no BEGIN and no
    COMMIT round trip; and it skips the pre-ping, another round trip per request: its callers
    retry a statement whose connection turns out to be dead instead (see `signing`).
    """
    engine = app.extensions.get(_AUTOCOMMIT_ENGINE)
    if engine is None:
        engine = create_engine(
            primary.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            # The same driver settings as the primary pool's (DATABASE_POOLER's among them).
            connect_args=app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}),
        )
        app.extensions[_AUTOCOMMIT_ENGINE] = engine
    return engine


def dispose_engines(app: Flask) -> None:
    """Close the pooled connections of the engines made here for `app`."""
    engine = app.extensions.pop(_AUTOCOMMIT_ENGINE, None)
    if engine is not None:
        engine.dispose()
