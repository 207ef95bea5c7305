"""Redis through Sentinel: the app finds the master, and signing and jobs go on after the
master dies and a replica takes its place, with nothing lost and nothing sent twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email.utils import parseaddr

import pytest
import redis
from redis.exceptions import RedisError
from rq import Worker
from rq.job import JobStatus
from rq.worker import WorkerStatus
from sqlalchemy import func, select, update

from campaigns import create_app
from campaigns.database import dispose_engines
from campaigns.extensions import db, queues
from campaigns.letters import recovery
from campaigns.letters.compose import send_letter
from campaigns.models import Message, MessageStatus, OutboxEmail, Submission, utcnow
from campaigns.queues import enqueue
from campaigns.submissions import confirmation_mail
from campaigns.submissions.signing import Signer
from tests.conftest import base_config, csrf_from, unavailable
from tests.factories import from_new_address, make_letter, make_petition, signer_form
from tests.support import servers
from tests.support.processes import kill_tree
from tests.support.sentinel import start_sentinel_set

BOSS = "ceo@acme.example"


@pytest.fixture(scope="module")
def sentinel_set():
    try:
        found = start_sentinel_set()
    except servers.Unavailable as exc:
        unavailable(str(exc))
    yield found
    found.stop()


@pytest.fixture
def ha_app(database_url, sentinel_set):
    app = create_app(base_config(database_url, sentinel_set.url))
    with app.app_context():
        queues.connection.flushall()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    dispose_engines(app)


def worker_process(app, log_path) -> subprocess.Popen:
    """`campaigns worker` (every queue, RQ's scheduler too) on the test's database and the
    Sentinel URL, as a deployment runs it."""
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "MAIL_BACKEND": "outbox",
        "MAIL_FROM": app.config["MAIL_FROM"],
        "PUBLIC_URL": app.config["PUBLIC_URL"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "campaigns", "worker"],
        env=env,
        start_new_session=True,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_until(what: str, done, seconds: float, state=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"{what}: still not done after {seconds} s {state()}"
        time.sleep(0.1)


def worker_idle(app) -> bool:
    with app.app_context():
        connection = queues.connection
        workers = Worker.all(connection=connection)
        return (
            len(workers) == 1
            and workers[0].get_state() == WorkerStatus.IDLE
            and not any(queue.count for queue in queues.all())
        )


def test_the_app_reaches_the_master_the_sentinels_name(ha_app, sentinel_set):
    """A write through the app's connection lands on the server the Sentinels call master."""
    with ha_app.app_context():
        queues.connection.set("campaigns:where", "here")
    master = redis.Redis(port=sentinel_set.master_port())
    assert master.get("campaigns:where") == b"here"
    assert master.info("replication")["role"] == "master"


def test_signing_and_jobs_go_on_through_a_failover(ha_app, sentinel_set, tmp_path):
    """SIGKILL the master while a worker waits on its queues: signatures are taken through the
    outage, the worker follows the promoted replica, the sweeps send what the outage dropped;
    every signature is stored, and each confirmation and letter is sent exactly once."""
    app = ha_app
    client = app.test_client()
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
        letter = make_letter(targets=[("Pat Boss", "CEO", BOSS)])
        letter_id = letter.id
    signers: list[str] = []
    writers: list[str] = []

    def sign() -> None:
        data = signer_form()
        data["csrf_token"] = csrf_from(client.get(f"/a/{slug}").get_data(as_text=True))
        assert client.post(f"/a/{slug}", data=data, **from_new_address()).status_code == 302
        signers.append(data["email"])

    def write() -> None:
        email = f"writer{len(writers)}@example.org"
        with app.app_context():
            send_letter(db.session.get(type(letter), letter_id), Signer("Ana", "Ruiz", email))
        writers.append(email)

    def outbox() -> Counter:
        with app.app_context():
            counted = Counter(
                parseaddr(to)[1] for to in db.session.scalars(select(OutboxEmail.to_address))
            )
            db.session.rollback()
            return counted

    worker = worker_process(app, tmp_path / "worker.log")
    try:
        for _ in range(4):
            sign()
            write()
        wait_until(
            "mail before the failover",
            lambda: all(outbox()[e] for e in signers) and outbox()[BOSS] == len(writers),
            20,
            lambda: (signers, writers, outbox()),
        )
        # Then idle, blocked on its queues on the master that is about to die. (A failover in
        # the middle of RQ's bookkeeping for a job may end the worker process: docs say so.)
        wait_until("an idle worker", lambda: worker_idle(app), 10)
        sentinel_set.kill_primary()
        killed = time.monotonic()
        recovery_seconds = None
        while recovery_seconds is None:
            sign()  # the database is the source of truth: a signature never waits for Redis
            with app.app_context():
                try:
                    queues.connection.set("campaigns:failover-probe", "written")
                    recovery_seconds = time.monotonic() - killed
                except RedisError:
                    time.sleep(0.05)
            assert time.monotonic() - killed < 20, "no master after 20 s"
        print(f"\nrecovery: {recovery_seconds:.2f} s from SIGKILL to the first write")
        assert sentinel_set.master_port() == sentinel_set.replica_port
        # RQ's scheduler lives through it too: a delayed job (a retry's back-off) still runs.
        with app.app_context():
            delayed = enqueue(
                "campaigns.tracking.tasks.tally_counts",
                queue="counts",
                delay=timedelta(seconds=1),
            )
        assert delayed is not None
        wait_until(
            "the delayed job",
            lambda: delayed.get_status(refresh=True) == JobStatus.FINISHED,
            15,
            lambda: delayed.get_status(refresh=True),
        )
        for _ in range(4):
            sign()
            write()

        # What was written while no master answered has no job: the periodic sweeps find it
        # in the database once it is older than their grace period (moved back here).
        with app.app_context():
            past = utcnow() - timedelta(minutes=15)
            db.session.execute(
                update(Submission)
                .where(Submission.confirmation_sent_at.is_(None))
                .values(created_at=past)
            )
            db.session.execute(
                update(Message).where(Message.status == MessageStatus.queued).values(due_at=past)
            )
            db.session.commit()
            confirmation_mail.sweep()
            recovery.sweep()
        wait_until(
            "mail after the failover",
            lambda: all(outbox()[e] for e in signers) and outbox()[BOSS] == len(writers),
            20,
            lambda: (signers, writers, outbox()),
        )
    finally:
        kill_tree(worker.pid)
        worker.wait(timeout=10)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == len(
            signers
        ) + len(writers)
        statuses = Counter(db.session.scalars(select(Message.status)))
        assert statuses == {MessageStatus.sent: len(writers)}
    sent = outbox()
    assert {email: sent[email] for email in signers} == dict.fromkeys(signers, 1)
    assert sent[BOSS] == len(writers)
    assert all(sent[email] <= 1 for email in writers)
