"""PostgreSQL through PgBouncer in transaction mode: migrations, signing, jobs and exports
work with DATABASE_POOLER=pgbouncer, and without it prepared statements break."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from campaigns import create_app
from campaigns.database import autocommit_engine, dispose_engines
from campaigns.extensions import db
from campaigns.models import OutboxEmail, Role, Submission, Supporter
from campaigns.worker import build_worker
from tests.conftest import base_config, csrf_from, unavailable
from tests.factories import (
    PASSWORD,
    from_new_address,
    make_campaign,
    make_organization,
    make_petition,
    make_user,
    signer_form,
)
from tests.support import servers
from tests.support.pgbouncer import start_pgbouncer

pytestmark = pytest.mark.postgres

DATABASE = "campaigns_pgbouncer"
SIGNATURES = 12  # well past psycopg's prepare_threshold of 5 executions of one statement


@pytest.fixture(scope="module")
def pgbouncer(postgres_server):
    url = make_url(postgres_server)
    host, port = url.query["host"], int(url.query["port"])
    direct = {"host": host, "port": port, "user": "postgres", "dbname": "postgres"}
    with psycopg.connect(**direct, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        bouncer = start_pgbouncer(host, port, DATABASE)
    except servers.Unavailable as exc:
        unavailable(str(exc))
    yield bouncer
    bouncer.stop()
    with psycopg.connect(**direct, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def pooled_config(url: str, redis_url: str, **overrides) -> dict:
    return {**base_config(url, redis_url), "DATABASE_POOLER": "pgbouncer", **overrides}


@pytest.fixture(scope="module")
def migrated(pgbouncer, redis_url):
    """The schema, built by the migrations through PgBouncer."""
    app = create_app(pooled_config(pgbouncer.url(), redis_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return pgbouncer


@pytest.fixture
def pooled_app(migrated, redis_url, tmp_path):
    app = create_app(
        pooled_config(migrated.url(), redis_url, EXPORT_FOLDER=str(tmp_path / "exports"))
    )
    redis.Redis.from_url(redis_url).flushall()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    dispose_engines(app)
    engine = create_engine(migrated.url())
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def run_jobs(app) -> None:
    with app.app_context():
        db.session.remove()
    build_worker(app).work(burst=True)


def test_signing_jobs_and_an_export_run_through_pgbouncer(pooled_app):
    """Signatures past the prepare threshold, their confirmation jobs, and a staff export
    (PostgreSQL's COPY) all go through PgBouncer in transaction mode."""
    app, client = pooled_app, pooled_app.test_client()
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        organization = make_organization(slug="local-1")
        make_user(organization, Role.staff, email="staff@example.org")
        slug = make_petition(make_campaign(organization), requires_confirmation=True).slug
    emails = []
    for _ in range(SIGNATURES):
        data = signer_form()
        data["csrf_token"] = csrf_from(client.get(f"/a/{slug}").get_data(as_text=True))
        assert client.post(f"/a/{slug}", data=data, **from_new_address()).status_code == 302
        emails.append(data["email"])
    run_jobs(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == SIGNATURES
        sent = db.session.scalars(select(OutboxEmail.to_address)).all()
    assert len(sent) == SIGNATURES and all(any(e in to for to in sent) for e in emails)

    login = csrf_from(client.get("/organize/login").get_data(as_text=True))
    client.post(
        "/organize/login",
        data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": login},
    )
    token = csrf_from(client.get("/organize/local-1/exports").get_data(as_text=True))
    response = client.post(
        "/organize/local-1/exports", data={"columns": ["email"], "csrf_token": token}
    )
    assert response.status_code == 302
    run_jobs(app)
    status = client.get(response.headers["Location"] + "/status").json
    assert status["status"] == "done", status
    download = client.get(status["download_url"])
    rows = list(csv.reader(io.StringIO(download.data[3:].decode("utf-8"))))
    assert sorted(row[0] for row in rows[1:]) == sorted(emails)


def take_turns(app) -> str | None:
    """Two clients of the app's pools (the ORM's and the autocommit one) run the same query
    in turn, one transaction each time; the first database error, if any."""
    with app.app_context():
        with db.engine.connect() as first, autocommit_engine(app, db.engine).connect() as second:
            try:
                for _ in range(8):
                    for conn in (first, second):
                        conn.execute(select(Supporter.id).where(Supporter.id > 0).limit(1))
                        if conn.in_transaction():
                            conn.commit()
            except DBAPIError as exc:
                return str(exc.orig)
        db.engine.dispose()
    dispose_engines(app)
    return None


def test_without_the_setting_prepared_statements_break_in_transaction_mode(migrated, redis_url):
    """Through one shared server connection, psycopg's prepared statements collide unless
    DATABASE_POOLER=pgbouncer turns them off: the setting is what makes PgBouncer work."""
    url = migrated.url(single=True)
    unset = create_app({**base_config(url, redis_url), "DATABASE_POOLER": ""})
    error = take_turns(unset)
    assert error is not None and "prepared statement" in error, (migrated.version(), error)
    assert take_turns(create_app(pooled_config(url, redis_url))) is None


def test_a_misspelt_pooler_stops_the_app_and_sqlite_is_left_alone(tmp_path):
    """DATABASE_POOLER is checked at start-up; on SQLite `pgbouncer` changes nothing."""
    config = {"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db"}
    with pytest.raises(ValueError, match="DATABASE_POOLER"):
        create_app({**config, "DATABASE_POOLER": "pgbouncr"})
    app = create_app({**config, "DATABASE_POOLER": "pgbouncer"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
