"""/healthz and /readyz: what a load balancer asks, answered cheaply and in bounded time."""

import threading
import time

import pytest
import redis
from alembic.script import ScriptDirectory
from sqlalchemy import event, text

from campaigns.extensions import db
from campaigns.monitoring import health

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_redis(app):
    """The app's Redis pointed at a port where nothing listens, as in tracking's tests."""
    reachable = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis.from_url(DEAD_REDIS)
    yield
    app.extensions["redis"] = reachable


@pytest.fixture
def alembic_version(app):
    """Set the database's migration revision for one test; put back after it (PostgreSQL's
    database is shared by every test, and alembic_version is not among the truncated tables)."""
    with app.app_context():
        (saved,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()

    def put(revision: str) -> None:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
            db.session.commit()

    yield put
    put(saved)


def checks(response) -> dict:
    return {entry["name"]: entry for entry in response.get_json()["checks"]}


def test_healthz_answers_without_database_redis_session_or_cookie(app, client, dead_redis):
    """Alive means the process answers: no query, no Redis, no cookie, not cached."""
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.mimetype == "text/plain"
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.vary
    assert response.headers["Cache-Control"] == "no-store"
    # The security headers every response gets are there too.
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_probes_need_no_csrf_token(client):
    """A POST is refused as a wrong method, not as a forged form."""
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.both_databases
def test_readyz_lists_each_check(client, backend):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok"
    assert "failed" not in body
    names = [entry["name"] for entry in body["checks"]]
    assert names == ["database", "redis", "migrations", "storage"]
    assert all(entry["ok"] for entry in body["checks"])
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.both_databases
def test_readyz_fails_when_redis_is_unreachable(client, dead_redis, backend):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failed"
    assert body["failed"] == ["redis"]
    found = checks(response)
    assert found["database"]["ok"] and found["migrations"]["ok"]
    assert found["redis"] == {
        "name": "redis",
        "ok": False,
        "detail": "failed (ConnectionError)",
        "ms": found["redis"]["ms"],
    }
    # Why, in a few words: no address, no traceback.
    text_body = response.get_data(as_text=True)
    assert "127.0.0.1" not in text_body and "Traceback" not in text_body


@pytest.mark.both_databases
def test_readyz_fails_when_migrations_are_behind(app, client, alembic_version, backend):
    heads, _ = health.revisions(app.extensions["migrate"].directory)
    (head,) = heads
    previous = ScriptDirectory(app.extensions["migrate"].directory).get_revision(head)
    alembic_version(previous.down_revision)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["migrations"]
    assert checks(response)["migrations"]["detail"] == (
        f"behind: database at {previous.down_revision}, head is {head}"
    )


def test_readyz_passes_when_a_newer_release_has_migrated(client, alembic_version):
    """A revision this release does not know is a newer release's: during a rolling deploy the
    machines still on this one keep serving (migrations only add), with a note saying so."""
    alembic_version("ffffffffffff")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert checks(response)["migrations"]["detail"].startswith("ahead: database at ffffffffffff")


def test_readyz_bounds_a_check_that_hangs(app, client, monkeypatch):
    """A hung dependency answers 503 within the timeout instead of hanging the probe."""
    release = threading.Event()

    def hangs():
        release.wait(10)

    monkeypatch.setattr(health, "CHECKS", [*health.CHECKS, ("slow", hangs)])
    app.config["READYZ_TIMEOUT"] = 0.3
    started = time.monotonic()
    try:
        response = client.get("/readyz")
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["slow"]
    assert checks(response)["slow"]["detail"] == "no answer within 0.3s"


def test_a_check_says_only_what_it_chose_to(app, client, monkeypatch):
    """An exception's message may hold a password or a host: only its class is shown, unless
    the check raised CheckFailed with words meant for the probe."""

    def leaks():
        raise RuntimeError("postgresql://admin:hunter2@db.internal/campaigns refused")

    def explains():
        raise health.CheckFailed("bucket not writable")

    monkeypatch.setattr(health, "CHECKS", [("leaks", leaks), ("explains", explains)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "hunter2" not in response.get_data(as_text=True)
    found = checks(response)
    assert found["leaks"]["detail"] == "failed (RuntimeError)"
    assert found["explains"]["detail"] == "bucket not writable"


def test_a_new_check_is_one_more_entry(monkeypatch):
    monkeypatch.setattr(health, "CHECKS", list(health.CHECKS))

    @health.check("search index")
    def search_index():
        return None

    assert [name for name, _ in health.CHECKS][-1] == "search index"
    health.check("search index")(search_index)
    assert [name for name, _ in health.CHECKS].count("search index") == 1


def test_readyz_asks_the_object_store(s3_app, s3_server, client):
    """With files in a bucket, readiness asks the bucket; a missing bucket is a 503 naming
    the store's kind, not its address."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert checks(response)["storage"]["ok"]
    s3_app.config["STORAGE_URL"] = "s3://not-created/files"
    s3_app.extensions.pop("storage")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["storage"]
    assert checks(response)["storage"]["detail"] == "failed (s3)"
    assert s3_server.url not in response.get_data(as_text=True)
