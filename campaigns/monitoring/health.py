"""Readiness: can this process serve requests now? A list of named checks, each bounded.

`/readyz` runs every check in `CHECKS` at once, each in a thread of a small pool, and waits
READYZ_TIMEOUT seconds for all of them: a hung Redis or database answers "failed: no answer
within 2s" instead of hanging the load balancer's probe (and the checks set their own short
socket and statement timeouts too, so the thread ends soon after). A check is a callable that
returns nothing (or a short note) when all is well and raises when not; what the probe shows
of a failure is the check's own `CheckFailed` text, or the exception's class name, never its
message (a driver's message can hold a host, a user name, a path). The full exception goes to
the log, once per process when a check starts failing.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import Flask, current_app
from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text

from campaigns.core import storage
from campaigns.extensions import db

log = logging.getLogger(__name__)

Check = Callable[[], "str | None"]
CHECKS: list[tuple[str, Check]] = []


class CheckFailed(Exception):
    """A failure whose message is safe to show anyone who asks /readyz."""


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict:
        entry = {"name": self.name, "ok": self.ok, "ms": round(self.seconds * 1000, 1)}
        if self.detail:
            entry["detail"] = self.detail
        return entry


def check(name: str) -> Callable[[Check], Check]:
    """Add the decorated callable to the readiness checks under `name`."""

    def register(fn: Check) -> Check:
        CHECKS[:] = [(n, f) for n, f in CHECKS if n != name] + [(name, fn)]
        return fn

    return register


def run(app: Flask, checks: list[tuple[str, Check]] | None = None) -> list[Result]:
    """Every check's result, in about READYZ_TIMEOUT seconds at most, in the list's order."""
    checks = CHECKS if checks is None else checks
    timeout = float(app.config["READYZ_TIMEOUT"])
    started = time.monotonic()
    futures = [(name, _pool().submit(_timed, app, fn)) for name, fn in checks]
    results = []
    for name, future in futures:
        remaining = max(0.0, started + timeout - time.monotonic())
        try:
            error, detail, seconds = future.result(timeout=remaining)
        except FutureTimeout:
            future.cancel()
            error, detail, seconds = None, f"no answer within {timeout:g}s", timeout
            result = Result(name, False, detail, seconds)
        else:
            result = Result(name, error is None, detail, seconds)
        _note(result, error)
        results.append(result)
    return results


def _timed(app: Flask, fn: Check) -> tuple[BaseException | None, str, float]:
    started = time.monotonic()
    with app.app_context():
        try:
            detail = fn() or ""
            error = None
        except CheckFailed as exc:
            error, detail = exc, str(exc)
        except Exception as exc:
            error, detail = exc, f"failed ({type(exc).__name__})"
    return error, detail, time.monotonic() - started


# Whether each check passed last time in this process, so a failure is logged when it starts
# rather than at every probe of an outage.
_last_ok: dict[str, bool] = {}


def _note(result: Result, error: BaseException | None) -> None:
    if not result.ok and _last_ok.get(result.name, True):
        log.warning(
            "readiness check %s failed: %s",
            result.name,
            result.detail,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
    elif result.ok and not _last_ok.get(result.name, True):
        log.info("readiness check %s passes again", result.name)
    _last_ok[result.name] = result.ok


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's pool (threads do not survive gunicorn's fork, so one per pid). Bounded:
    checks stuck on a dead server queue the next ones, which then time out, as they should."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        pool = _pools[pid] = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")
    return pool


def short_redis(app: Flask, timeout: float) -> Redis:
    """A client to the app's Redis that gives up after `timeout` seconds and does not retry;
    the app's own waits up to 30 seconds, right for jobs, wrong for a probe. Kept per app and
    made again when the app's client is replaced (tests point it at a dead port)."""
    source = app.extensions["redis"]
    key = f"monitoring.redis.{timeout:g}"
    kept = app.extensions.get(key)
    if kept is not None and kept[0] is source:
        return kept[1]
    pool = source.connection_pool
    options = dict(pool.connection_kwargs)
    options.update(
        socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    client = Redis(
        connection_pool=ConnectionPool(
            connection_class=pool.connection_class, max_connections=8, **options
        )
    )
    app.extensions[key] = (source, client)
    return client


def statement_timeout(connection, seconds: float) -> None:
    """On PostgreSQL, end this transaction's statements after `seconds` (SET LOCAL: the pooled
    connection gets its default back at the end of the transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))


@check("database")
def database_reachable() -> None:
    with db.engine.connect() as connection:
        statement_timeout(connection, current_app.config["READYZ_TIMEOUT"])
        connection.execute(text("SELECT 1"))


@check("redis")
def redis_reachable() -> None:
    app = current_app._get_current_object()
    short_redis(app, float(app.config["READYZ_TIMEOUT"])).ping()


@functools.cache
def revisions(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migrations in `directory`, read once per process."""
    script = ScriptDirectory(directory)
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


@check("migrations")
def migrations_at_head() -> str | None:
    """The database is at this release's head. Behind it is a failure (this code would use
    columns that are not there yet); at a revision this release does not know is a note only:
    a newer release has migrated it, and with migrations that only add, as ours do, the machines
    still on this release keep serving until they are replaced (a rolling deploy)."""
    heads, known = revisions(current_app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        statement_timeout(connection, current_app.config["READYZ_TIMEOUT"])
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except Exception as exc:
            raise CheckFailed("not migrated (no alembic_version table)") from exc
    current = frozenset(row[0] for row in rows)
    if current == heads:
        return None
    if not current:
        raise CheckFailed("not migrated (alembic_version is empty)")
    if current <= known:
        raise CheckFailed(
            f"behind: database at {', '.join(sorted(current))}, head is {', '.join(sorted(heads))}"
        )
    return f"ahead: database at {', '.join(sorted(current))}, unknown to this release"


@check("storage")
def storage_reachable() -> None:
    """The files' store takes requests: the instance folders are writable, or the bucket
    answers (HeadBucket)."""
    try:
        storage.current().check()
    except storage.StorageError as exc:
        raise CheckFailed(f"failed ({storage.current().kind})") from exc
