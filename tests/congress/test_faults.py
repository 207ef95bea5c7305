"""Workers and CWC: a worker killed while a chamber holds its request, and the rate limit
two workers share."""

import os
import subprocess
import sys
import time

import pytest
from rq import Queue
from rq.registry import FinishedJobRegistry
from sqlalchemy import select, update

from campaigns.congress import office_lists
from campaigns.extensions import db, queues
from campaigns.letters.compose import send_letter
from campaigns.letters.delivery import queue_letters
from campaigns.letters.tasks import sweep_messages
from campaigns.models import Message, MessageStatus, utcnow
from campaigns.submissions.signing import Signer
from tests.congress.test_delivery import VERMONT
from tests.factories import make_congress_letter
from tests.support.processes import kill_tree


def worker_process(app, **env) -> subprocess.Popen:
    """`campaigns worker mail --burst` in its own process group, on the test's servers."""
    config = app.config
    names = [n for n in config if n.startswith("CWC_")]
    environment = {
        **os.environ,
        "SECRET_KEY": config["SECRET_KEY"],
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": config["REDIS_URL"],
        **{n: str(int(config[n]) if isinstance(config[n], bool) else config[n]) for n in names},
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "campaigns", "worker", "mail", "--burst"],
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def letters_from(action, people: int) -> list[int]:
    office_lists.refresh_configured()  # Welch's office (SVT03) is not on the Senate's list
    for n in range(people):
        person = Signer("Ana", f"Ruiz{n}", f"ana{n}@example.org", postcode="05401")
        send_letter(action, person, address=VERMONT)
    ids = sorted(db.session.scalars(select(Message.id)))
    queues.connection.flushall()  # only the jobs the test queues (no confirmation mail)
    office_lists.refresh_configured()  # again after the flush
    return ids


@pytest.mark.both_databases
def test_a_worker_killed_mid_send_never_delivers_twice(cwc_app, cwc, run_jobs):
    """SIGKILL while the House holds the request: the House still takes it, the sweep sends
    it again with the same DeliveryId, and the House accepts that DeliveryId once."""
    app = cwc_app
    with app.app_context():
        ids = letters_from(make_congress_letter(), 1)
        queue_letters(ids)
    cwc.hold = lambda path, body: path == "/v2/message"
    worker = worker_process(app)
    try:
        assert cwc.holding.wait(timeout=60), "the worker never reached the House"
        kill_tree(worker.pid)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            kill_tree(worker.pid)
    cwc.hold = None
    cwc.release.set()  # the House goes on and accepts the document nobody waits for
    deadline = time.monotonic() + 10
    while not cwc.accepted["house"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(cwc.accepted["house"]) == 1

    with app.app_context():
        house = db.session.scalars(select(Message).where(Message.channel == "cwc_house")).one()
        assert house.status == MessageStatus.sending
        # Long enough ago that the sweep knows the worker is gone (and the Senate letter
        # its job never reached is overdue).
        long_ago = utcnow().replace(year=2000)
        db.session.execute(update(Message).values(claimed_at=long_ago, due_at=long_ago))
        db.session.commit()
        assert sweep_messages()["stranded"] == 1
    run_jobs(["mail"])

    with app.app_context():
        rows = db.session.scalars(select(Message)).all()
        assert {m.status for m in rows} == {MessageStatus.delivered}, [m.last_error for m in rows]
    house_posts = [r for r in cwc.received if r.path == "/v2/message"]
    assert len({r.delivery_id for r in house_posts}) == 1  # the same id both times
    assert len(house_posts) == 2 and len(cwc.deliveries("house")) == 1  # accepted once
    assert cwc.accepted["house"] == [house_posts[0].delivery_id]


def test_two_workers_share_each_chambers_rate(cwc_app, cwc):
    """Two workers, 30 letters a chamber, 10 a second between them: at least 2 s a chamber,
    and no Redis second carries more than 10 of a chamber's sends."""
    app = cwc_app
    with app.app_context():
        ids = letters_from(make_congress_letter(), 30)
        for message_id in ids:
            queue_letters([message_id])  # one job each, for both workers to take
    workers = [worker_process(app, CWC_RATE_PER_SECOND="10") for _ in range(2)]
    try:
        for worker in workers:
            assert worker.wait(timeout=120) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill_tree(worker.pid)
    for chamber in ("house", "senate"):
        times = sorted(r.at for r in cwc.deliveries(chamber))
        assert len(times) == 30
        assert times[-1] - times[0] >= 1.9, chamber
        # A sliding second may straddle two of Redis's seconds: at most twice the limit.
        assert max(sum(1 for t in times if s <= t < s + 1) for s in times) <= 20
    with app.app_context():
        finished = FinishedJobRegistry(queue=Queue("mail", connection=queues.connection))
        workers_used = {
            job.worker_name
            for job in (
                Queue("mail", connection=queues.connection).fetch_job(i)
                for i in finished.get_job_ids()
            )
            if job is not None
        }
        assert len(workers_used) == 2
