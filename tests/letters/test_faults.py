"""Fault tests: a worker killed mid-batch, and what the sweep makes of it."""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db, queues
from campaigns.letters.compose import send_letter
from campaigns.letters.delivery import queue_letters
from campaigns.letters.provider_events import record_events
from campaigns.letters.tasks import sweep_messages
from campaigns.models import Message, MessageStatus, utcnow
from campaigns.submissions.signing import Signer
from tests.factories import make_letter
from tests.letters.conftest import sent_message_ids
from tests.support.processes import kill_tree


def worker_process(app) -> subprocess.Popen:
    """`campaigns worker mail --burst` in its own process group, on the test's servers."""
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "MAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": app.config["SENDGRID_API_KEY"],
        "SENDGRID_API_HOST": app.config["SENDGRID_API_HOST"],
        "MAIL_FROM": app.config["MAIL_FROM"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "campaigns", "worker", "mail", "--burst"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.both_databases
def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    sendgrid_app, sendgrid, run_jobs
):
    """SIGKILL during the third API call: sent stays sent, queued is sent once, and the
    message whose call was in flight waits, unknown, for SendGrid's events: nothing twice."""
    app = sendgrid_app
    with app.app_context():
        action = make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        for n in range(5):
            send_letter(action, Signer("Ana", f"Ruiz{n}", f"ana{n}@example.org"))
        ids = sorted(db.session.scalars(select(Message.id)))
        queues.connection.flushall()  # only the delivery job below; no confirmation mail
        queue_letters(ids)  # one job; five senders, so five calls in turn

    letter_calls = []

    def hold_third_letter(body):
        if any("message_id" in p.get("custom_args", {}) for p in body["personalizations"]):
            letter_calls.append(body)
            return len(letter_calls) == 3
        return False

    sendgrid.hold = hold_third_letter
    worker = worker_process(app)
    try:
        assert sendgrid.holding.wait(timeout=60), "the worker never reached the third call"
        kill_tree(worker.pid)  # the worker and its work horse, at once
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            kill_tree(worker.pid)
    sendgrid.hold = None
    sendgrid.release.set()

    with app.app_context():
        state = {m.id: m.status for m in db.session.scalars(select(Message))}
    in_flight = [i for i, s in state.items() if s == MessageStatus.sending]
    assert Counter(state.values()) == {"sent": 2, "sending": 1, "queued": 2}

    with app.app_context():
        # Later: the job's time is long past and the queued letters are overdue.
        for message in db.session.scalars(select(Message)):
            message.due_at = utcnow() - timedelta(minutes=5)
            if message.claimed_at:
                message.claimed_at -= timedelta(minutes=10)  # stale, within the grace
        db.session.commit()
        assert sweep_messages() == {
            "stranded": 1,
            "overdue": 2,
            "unanswered": 0,
            "addresses_forgotten": 0,
        }
    run_jobs()

    with app.app_context():
        state = {m.id: m.status for m in db.session.scalars(select(Message))}
        # The one whose call was in flight is not sent again blindly: it waits, unknown...
        assert [state[i] for i in in_flight] == [MessageStatus.unknown]
        assert Counter(state.values()) == {"sent": 4, "unknown": 1}
    handed_over = Counter(sent_message_ids(sendgrid))
    assert set(handed_over) == set(ids)  # none lost
    assert set(handed_over.values()) == {1}  # and none went twice
    # ...until SendGrid's event says it was taken.
    with app.app_context():
        [event_id] = in_flight
        record_events(
            [
                {
                    "event": "processed",
                    "sg_event_id": "in-flight",
                    "message_id": str(event_id),
                    "email": "ceo@acme.example",
                    "timestamp": int(utcnow().timestamp()),
                    "sg_message_id": "x.filter-1",
                }
            ]
        )
        assert db.session.get(Message, event_id).status == MessageStatus.sent


def redis_on(sock: str) -> subprocess.Popen:
    """A Redis server with no persistence on the Unix socket `sock`, ready to use."""
    import time

    import redis

    from tests.support.servers import redis_binary

    process = subprocess.Popen(
        [
            redis_binary(),
            "--port",
            "0",
            "--unixsocket",
            sock,
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            os.path.dirname(sock),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(500):
        try:
            if redis.Redis(unix_socket_path=sock).ping():
                return process
        except redis.exceptions.ConnectionError:
            time.sleep(0.01)
    raise RuntimeError("redis did not start")


@pytest.mark.both_databases
def test_redis_killed_and_restarted_empty_loses_no_letter(
    sendgrid_app, sendgrid, tmp_path, run_jobs
):
    """Redis dies with the delivery jobs in it and comes back empty; the sweep requeues
    every letter from the database and each is sent exactly once."""
    sock = str(tmp_path / "redis.sock")
    first = redis_on(sock)
    from campaigns import create_app

    app = create_app({**sendgrid_app.config, "REDIS_URL": f"unix://{sock}"})
    try:
        with app.app_context():
            action = make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")])
            for n in range(4):
                send_letter(action, Signer("Ana", f"Ruiz{n}", f"ana{n}@example.org"))
            # The jobs and the confirmations waiting for theirs are in Redis.
            assert queues.connection.llen("rq:queue:mail") >= 1
            assert queues.connection.llen("campaigns:confirmations-pending") == 4
        first.kill()
        first.wait()
        second = redis_on(sock)
        try:
            with app.app_context():
                assert queues.connection.llen("rq:queue:mail") == 0  # and now they are not
                for message in db.session.scalars(select(Message)):
                    message.due_at = utcnow() - timedelta(minutes=5)
                db.session.commit()
                assert sweep_messages() == {
                    "stranded": 0,
                    "overdue": 4,
                    "unanswered": 0,
                    "addresses_forgotten": 0,
                }
            from campaigns.worker import build_worker

            build_worker(app, ["mail"]).work(burst=True)
            with app.app_context():
                assert {m.status for m in db.session.scalars(select(Message))} == {
                    MessageStatus.sent
                }
                ids = sorted(db.session.scalars(select(Message.id)))
            assert sorted(sent_message_ids(sendgrid)) == ids
        finally:
            second.kill()
            second.wait()
    finally:
        if first.poll() is None:
            first.kill()
        with app.app_context():
            db.engine.dispose()
