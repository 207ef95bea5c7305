"""Fixtures: a real Redis, SQLite and PostgreSQL databases migrated once per session, and a
fresh database per test.

Tests marked `both_databases` run once on SQLite and once on PostgreSQL. Without PostgreSQL
or Chromium installed those tests are skipped, unless CAMPAIGNS_REQUIRE_ALL=1 (as in CI),
where a missing server fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text

from campaigns import create_app
from campaigns.database import dispose_engines
from campaigns.extensions import db
from tests.support import servers

REQUIRE_ALL = os.environ.get("CAMPAIGNS_REQUIRE_ALL") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "both_databases: run on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def unavailable(reason: str):
    if REQUIRE_ALL:
        pytest.fail(f"required by CAMPAIGNS_REQUIRE_ALL=1 but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("CAMPAIGNS_TEST_REDIS_URL")
    if url:
        yield url
        return
    server = servers.start_redis()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    url = os.environ.get("CAMPAIGNS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        server = servers.start_postgres()
    except servers.Unavailable as exc:
        unavailable(str(exc))
    yield server.url
    server.stop()


def base_config(database_url: str, redis_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "outbox",
        "MAIL_FROM": "campaigns@example.org",
        "PUBLIC_URL": "http://campaigns.test",
        # Pages show the count as of this moment; the per-process cache has its own tests.
        "PUBLIC_COUNT_CACHE_SECONDS": 0,
    }


def migrate(database_url: str, redis_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(database_url, redis_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, redis_url):
    path = tmp_path_factory.mktemp("template") / "campaigns.db"
    migrate(f"sqlite:///{path}", redis_url)
    return path


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server, redis_url):
    migrate(postgres_server, redis_url)
    return postgres_server


@pytest.fixture
def backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "campaigns.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_migrated")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in db.metadata.sorted_tables]
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url, redis_url):
    app = create_app(base_config(database_url, redis_url))
    redis.Redis.from_url(redis_url).flushall()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    dispose_engines(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app):
    """Run a real RQ worker in burst mode until the queues are empty."""
    from campaigns.worker import build_worker

    def run(queue_names=None):
        with app.app_context():
            db.session.remove()
        worker = build_worker(app, queue_names)
        worker.work(burst=True)
        return worker

    return run


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return VALUE.search(match.group(0)).group(1)


@pytest.fixture
def csrf(client):
    """The CSRF token of the form on `url`, as a browser would have it."""

    def token(url: str) -> str:
        return csrf_from(client.get(url).get_data(as_text=True))

    return token


@pytest.fixture
def login(client, csrf):
    def do(email: str, password: str = "correct horse battery"):
        return client.post(
            "/organize/login",
            data={"email": email, "password": password, "csrf_token": csrf("/organize/login")},
        )

    return do


@pytest.fixture
def sendgrid():
    """A local SendGrid-compatible server for the official client (see tests/support)."""
    from tests.support.sendgrid_server import SendGridServer

    server = SendGridServer().start()
    yield server
    server.stop()


@pytest.fixture
def sendgrid_app(app, sendgrid):
    """The app with MAIL_BACKEND=sendgrid pointed at the local server."""
    app.config.update(
        MAIL_BACKEND="sendgrid",
        SENDGRID_API_KEY="SG.test-key",
        SENDGRID_API_HOST=sendgrid.url,
        MAIL_FROM="action@local42.example",
        MAIL_FROM_NAME="Local 42",
    )
    return app


@pytest.fixture(scope="session")
def s3_server():
    """One local S3-compatible store for the session (moto's server, over HTTP)."""
    from tests.support.s3_server import S3Server

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    """A bucket of this test's own on the session's store."""
    return s3_server.make_bucket(f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def s3_app(app, s3_server, s3_bucket):
    """The app keeping its files under `files/` in the test's bucket."""
    app.config.update(STORAGE_URL=f"s3://{s3_bucket}/files", **s3_server.environment())
    app.extensions.pop("storage", None)
    return app


@pytest.fixture(scope="session")
def cwc_server():
    """One local CWC server for the session; each test starts from a clean record."""
    from tests.support.cwc_server import CwcServer

    server = CwcServer().start()
    yield server
    server.stop()


@pytest.fixture
def cwc(cwc_server):
    cwc_server.received.clear()
    cwc_server.replies.clear()
    cwc_server.accepted = {"house": [], "senate": []}
    cwc_server.hold = None
    cwc_server.holding.clear()
    cwc_server.release.clear()
    yield cwc_server
    cwc_server.release.set()  # a test that failed while holding must not leave a thread stuck


@pytest.fixture
def cwc_app(app, cwc):
    """The app with both chambers pointed at the local server."""
    app.config.update(
        CWC_HOUSE_URL=cwc.url,
        CWC_HOUSE_API_KEY=cwc.house_key,
        CWC_SENATE_URL=cwc.url,
        CWC_SENATE_API_KEY=cwc.senate_key,
        CWC_DELIVERY_AGENT="Local 42 Digital",
        CWC_DELIVERY_AGENT_EMAIL="cwc@local42.example",
        CWC_DELIVERY_AGENT_CONTACT_NAME="Sam Rivera",
        CWC_DELIVERY_AGENT_CONTACT_PHONE="202-555-0100",
        CWC_TIMEOUT=2,
        CWC_RATE_PER_SECOND=1000,
    )
    with app.app_context():
        yield app
