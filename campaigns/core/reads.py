"""Reads that need no transaction, on the autocommit pool.

A request through the ORM session costs a pre-ping, a BEGIN and a ROLLBACK besides its
queries; on the autocommit pool (see `database.autocommit_engine`) each SELECT is one round
trip. The API's key check on every request and its people pages use it: with them a page of a
hundred people takes two statements (bench/api.py).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import DBAPIError

from campaigns.database import autocommit_engine
from campaigns.extensions import db


def execute(statement, params: dict | None = None) -> list:
    """All rows of one statement. The pool skips the pre-ping, so a connection the server
    closed (a database restart) fails once; the pool drops it and the read runs again."""
    engine = autocommit_engine(current_app._get_current_object(), db.engine)
    try:
        return _run(engine, statement, params)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return _run(engine, statement, params)


def _run(engine, statement, params):
    with engine.connect() as conn:
        return conn.execute(statement, params or {}).all()
