import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import select, update

from campaigns.extensions import db
from campaigns.models import Action, ActionHourlyCount, Submission
from campaigns.submissions.confirmation import confirm
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import counts
from campaigns.tracking import tally as count_jobs
from tests.factories import make_petition


def signer(n: int) -> Signer:
    return Signer(first_name="Ana", last_name="Lopez", email=f"ana{n}@example.org")


def buckets(action_id: int) -> dict[datetime, tuple[int, int]]:
    rows = db.session.execute(
        select(ActionHourlyCount.hour, ActionHourlyCount.signed, ActionHourlyCount.confirmed)
        .where(ActionHourlyCount.action_id == action_id)
        .order_by(ActionHourlyCount.hour)
    )
    return {hour.replace(tzinfo=UTC): (signed, confirmed) for hour, signed, confirmed in rows}


@pytest.mark.both_databases
def test_tally_counts_each_signature_and_confirmation_once(app, backend):
    """Signatures count once however often the tally runs; a confirmation adds once more."""
    with app.app_context():
        petition = make_petition()
        ids = [sign(petition, signer(n)).submission_id for n in range(3)]
        assert counts.for_action(petition) == counts.Counts()
        assert counts.tally_all() == 3
        assert counts.tally_all() == 0
        assert counts.for_action(petition).signed == 3

        confirm(db.session.get(Submission, ids[0]))
        assert counts.for_action(petition).confirmed == 0
        assert counts.tally_all() == 1
        assert counts.tally_all() == 0
        total = counts.for_action(petition)
        assert (total.signed, total.confirmed) == (3, 1)


@pytest.mark.both_databases
def test_signature_and_confirmation_land_in_their_own_hours(app, backend):
    """Signed at 23:40 and confirmed after midnight: each in its hour, even in one tally."""
    with app.app_context():
        petition = make_petition()
        first, second = (sign(petition, signer(n)).submission_id for n in range(2))
        signed_at = datetime(2026, 3, 1, 23, 40, tzinfo=UTC)
        confirmed_at = datetime(2026, 3, 2, 0, 5, tzinfo=UTC)
        for submission_id in (first, second):
            db.session.execute(
                update(Submission)
                .where(Submission.id == submission_id)
                .values(created_at=signed_at)
            )
        db.session.execute(
            update(Submission).where(Submission.id == first).values(confirmed_at=confirmed_at)
        )
        db.session.commit()
        assert counts.tally_all() == 2
        assert buckets(petition.id) == {
            datetime(2026, 3, 1, 23, tzinfo=UTC): (2, 0),
            datetime(2026, 3, 2, 0, tzinfo=UTC): (0, 1),
        }


@pytest.mark.both_databases
def test_tally_works_in_batches(app, backend):
    """A backlog bigger than a batch is folded in a batch at a time, none lost or doubled."""
    with app.app_context():
        petition = make_petition()
        for n in range(7):
            sign(petition, signer(n))
        assert [counts.tally(batch=3) for _ in range(4)] == [3, 3, 1, 0]
        assert counts.for_action(petition).signed == 7


@pytest.mark.both_databases
def test_many_signatures_queue_one_tally_job(app, backend, run_jobs):
    """A burst of signatures queues one tally job, not one per signature, and it counts all."""
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        petition_id = make_petition().id
        for n in range(5):
            sign(db.session.get(Action, petition_id), signer(n))
    assert connection.llen("rq:queue:counts") == 1
    assert connection.exists(count_jobs.PENDING_KEY)
    run_jobs(["counts"])
    assert not connection.exists(count_jobs.PENDING_KEY)
    with app.app_context():
        petition = db.session.get(Action, petition_id)
        assert counts.for_action(petition).signed == 5
        # The marker is gone, so the next signature queues a job of its own.
        sign(petition, signer(99))
    assert connection.llen("rq:queue:counts") == 1


@pytest.mark.both_databases
def test_the_periodic_tally_counts_what_a_redis_outage_left(app, backend, run_jobs):
    """A signature made while Redis was unreachable is counted by the next periodic tally."""
    reachable = app.extensions["redis"]
    with app.app_context():
        petition_id = make_petition().id
        app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0")
        try:
            assert sign(db.session.get(Action, petition_id), signer(1)).created
        finally:
            app.extensions["redis"] = reachable
        count_jobs.enqueue_tally()  # what the cron scheduler does every 30 s
    run_jobs(["counts"])
    with app.app_context():
        assert counts.for_action(db.session.get(Action, petition_id)).signed == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_simultaneous_tallies_count_once(app, backend):
    """Four tally jobs racing over the same backlog add every signature exactly once."""
    with app.app_context():
        petition = make_petition()
        for n in range(40):
            sign(petition, signer(n))
        petition_id = petition.id
    barrier = threading.Barrier(4, timeout=30)
    folded, errors = [], []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                folded.append(counts.tally(batch=15))
                folded.append(counts.tally(batch=15))
            except Exception as exc:  # collected, then asserted empty
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        folded.append(counts.tally_all())
        assert sum(folded) == 40
        assert counts.for_actions([petition_id])[petition_id].signed == 40
        assert sum(s for s, _ in buckets(petition_id).values()) == 40


@pytest.mark.both_databases
def test_recent_counts_cover_the_last_day(app, backend):
    """ "Last 24 hours" counts what was signed in the day before now, not older signatures."""
    with app.app_context():
        petition = make_petition()
        old, new = (sign(petition, signer(n)).submission_id for n in range(2))
        db.session.execute(
            update(Submission)
            .where(Submission.id == old)
            .values(created_at=datetime.now(UTC) - timedelta(days=3))
        )
        db.session.commit()
        counts.tally_all()
        total = counts.for_action(petition)
        assert (total.signed, total.signed_24h) == (2, 1)
