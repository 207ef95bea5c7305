"""REDIS_URL may name a Sentinel set; the variables for one build the same URL."""

import pytest
from redis.sentinel import SentinelConnectionPool

from campaigns import config
from campaigns.redis_connection import SentinelSet, connect, parse_sentinel_url, sentinel_url


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database():
    """Ports default to 26379; the password (percent-encoded) is the master's."""
    assert parse_sentinel_url(
        "redis+sentinel://:s%40cret@10.0.0.1:26380,10.0.0.2,[fd00::3]:26381/mymaster/2"
    ) == SentinelSet(
        sentinels=(("10.0.0.1", 26380), ("10.0.0.2", 26379), ("fd00::3", 26381)),
        service="mymaster",
        db=2,
        password="s@cret",
    )
    assert parse_sentinel_url("redis+sentinel://app:pw@h1/cache") == SentinelSet(
        (("h1", 26379),), "cache", 0, "app", "pw"
    )


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://h1:26379",  # no service
        "redis+sentinel:///mymaster",  # no sentinel
        "redis+sentinel://h1/mymaster/zero",
        "redis+sentinel://h1:port/mymaster",
        "redis+sentinel://h1/mymaster/0/extra",
        "redis+sentinel://h1/mymaster?db=1",
    ],
)
def test_a_wrong_sentinel_url_is_refused_with_its_reason(url):
    """A mistake fails at start-up, not at the first command."""
    with pytest.raises(ValueError):
        parse_sentinel_url(url)


def test_the_sentinel_variables_make_the_same_url(monkeypatch, tmp_path):
    """REDIS_SENTINELS and REDIS_SENTINEL_SERVICE stand for REDIS_URL; REDIS_URL wins."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_SENTINELS", "10.0.0.1:26379, 10.0.0.2:26379")
    monkeypatch.setenv("REDIS_SENTINEL_SERVICE", "campaigns")
    monkeypatch.setenv("REDIS_PASSWORD", "p@ss/word")
    monkeypatch.setenv("REDIS_SENTINEL_PASSWORD", "watchers")
    values = config.from_environment_without_key(str(tmp_path))
    found = parse_sentinel_url(values["REDIS_URL"])
    assert found.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26379))
    assert (found.service, found.db, found.password) == ("campaigns", 0, "p@ss/word")
    assert values["REDIS_SENTINEL_PASSWORD"] == "watchers"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    assert config.from_environment_without_key(str(tmp_path))["REDIS_URL"] == (
        "redis://cache:6379/1"
    )
    with pytest.raises(ValueError):
        sentinel_url("", "campaigns")


def test_a_sentinel_url_gives_a_client_that_asks_the_sentinels_for_the_master():
    """No connection is made until the first command; then the pool asks the Sentinels."""
    client = connect("redis+sentinel://:pw@127.0.0.1:1/campaigns/3", sentinel_password="w")
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "campaigns"
    assert pool.connection_kwargs["db"] == 3
    assert pool.connection_kwargs["password"] == "pw"
    sentinel = pool.sentinel_manager.sentinels[0]
    assert sentinel.connection_pool.connection_kwargs["password"] == "w"
