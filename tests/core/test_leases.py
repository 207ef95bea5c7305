"""The Redis lease behind the cron scheduler, against a real Redis server."""

import time
import uuid

import pytest
import redis

from campaigns.core.leases import Lease


@pytest.fixture
def connection(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def name():
    return f"test-{uuid.uuid4().hex}"


def test_one_process_at_a_time_holds_a_lease(connection, name):
    """The first to ask takes the lease; a second cannot while it is held."""
    first, second = Lease(connection, name, 5), Lease(connection, name, 5)
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held
    assert first.holder() == second.holder() == first.owner
    assert first.owner != second.owner
    assert 4000 < connection.pttl(first.key) <= 5000


def test_renewing_keeps_the_lease_past_its_lifetime(connection, name):
    """A holder that renews keeps the lease however long it runs; nobody else gets it."""
    holder, other = Lease(connection, name, 0.3), Lease(connection, name, 0.3)
    assert holder.acquire()
    for _ in range(4):  # 0.6 s in all, twice the lifetime
        time.sleep(0.15)
        assert holder.renew()
        assert not other.acquire()
    assert holder.holder() == holder.owner
    assert connection.pttl(holder.key) > 150


def test_a_lease_nobody_renews_expires_and_another_takes_it(connection, name):
    """A dead holder's lease runs out; the next process takes it, and the old one can
    neither renew it back nor release it."""
    dead, next_holder = Lease(connection, name, 0.2), Lease(connection, name, 0.2)
    assert dead.acquire()
    assert not next_holder.hold()
    time.sleep(0.3)
    assert next_holder.hold()
    assert not dead.renew() and not dead.held
    assert not dead.release()
    assert not dead.hold()
    assert next_holder.holder() == next_holder.owner


def test_only_the_holder_releases_the_lease(connection, name):
    """Releasing someone else's lease does nothing; the holder's release frees it at once."""
    holder, other = Lease(connection, name, 30), Lease(connection, name, 30)
    assert holder.acquire()
    assert not other.release()
    assert holder.holder() == holder.owner
    assert holder.release() and not holder.held
    assert holder.holder() is None
    assert other.acquire()
    assert not holder.release()  # a second release by the old holder leaves the new lease
    assert other.holder() == other.owner


def test_hold_renews_a_lease_whose_renewal_answer_was_lost(connection, name):
    """A process that lost track of holding (a timed-out renewal) picks its own lease up
    again instead of waiting out its lifetime."""
    lease = Lease(connection, name, 30)
    assert lease.acquire()
    lease.held = False
    assert lease.hold() and lease.held
    assert lease.holder() == lease.owner


def test_a_lease_lasts_some_time():
    """A lease of no time is refused when it is made, not found out when it never holds."""
    with pytest.raises(ValueError):
        Lease(redis.Redis(), "x", 0)
