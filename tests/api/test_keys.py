"""API keys: made and revoked by owners, hashed, scoped, rate limited."""

import hashlib

import pytest
from sqlalchemy import select

from campaigns.accounts import api_keys
from campaigns.core.cache import MISSING
from campaigns.extensions import db
from campaigns.models import ApiKey, AuditEvent, Organization, Role
from tests.api.conftest import ApiClient
from tests.conftest import csrf_from
from tests.factories import make_user


def test_no_key_or_a_wrong_key_is_401(client, api):
    assert client.get("/api/v1/").status_code == 401
    response = client.get("/api/v1/people", headers={"OSDI-API-Token": "cmp_wrong"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "a valid API key is required"}


def test_a_bearer_token_works_as_well(client, api):
    response = client.get("/api/v1/", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200


def test_a_read_key_cannot_write(read_api, petition_id):
    """A read key reads, and gets 403 for every POST and PUT."""
    assert read_api.get("/api/v1/people").status_code == 200
    response = read_api.post(
        "/api/v1/people/person_signup_helper",
        json={"person": {"email_addresses": [{"address": "a@example.org"}]}},
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "this API key may only read"
    petition = read_api.get("/api/v1/petitions").get_json()["_embedded"]["osdi:petitions"][0]
    helper = petition["_links"]["osdi:record_signature_helper"]["href"]
    assert read_api.post(helper, json={}).status_code == 403


def test_only_the_hash_of_a_token_is_stored(api_app, api):
    """The token is not in the database, only its SHA-256; use is noted on the key."""
    assert api.get("/api/v1/").status_code == 200
    with api_app.app_context():
        key = db.session.scalars(select(ApiKey)).one()
        assert key.token_hash == hashlib.sha256(api.token.encode()).hexdigest()
        assert api.token.startswith("cmp_") and len(api.token) >= 40
        assert key.prefix == api.token[:12]
        assert key.last_used_at is not None


def test_a_key_over_its_rate_gets_429_with_retry_after(api_app, api):
    """With 1 request a second and a burst of 2, the third request at once waits."""
    api_app.config.update(API_RATE_LIMIT=1, API_RATE_BURST=2)
    statuses = [api.get("/api/v1/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = api.get("/api/v1/")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.get_json()["error"]


@pytest.fixture
def owner(api_app, org_id, login):
    with api_app.app_context():
        org = db.session.get(Organization, org_id)
        make_user(org, Role.owner, email="ruth@example.org")
        make_user(org, Role.organizer, email="sam@example.org")
    login("ruth@example.org")


def test_an_owner_creates_a_key_shown_once_and_revokes_it(api_app, client, owner):
    """The token appears on the page once; it works until revoked; both are audited."""
    page = client.get("/organize/local-42/api-keys")
    assert page.status_code == 200
    made = client.post(
        "/organize/local-42/api-keys",
        data={"name": "Membership sync", "scope": "read", "csrf_token": csrf_from(page.text)},
    )
    assert made.status_code == 201
    token = made.text.split("data-token>")[1].split("<")[0]
    assert token.startswith("cmp_")
    assert made.headers["Cache-Control"] == "no-store"
    assert token not in client.get("/organize/local-42/api-keys").text

    key_client = ApiClient(client, token)
    assert key_client.get("/api/v1/people").status_code == 200
    with api_app.app_context():
        key = db.session.scalars(select(ApiKey).where(ApiKey.name == "Membership sync")).one()
        key_id = key.id
    page = client.get("/organize/local-42/api-keys")
    revoked = client.post(
        f"/organize/local-42/api-keys/{key_id}/revoke",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert revoked.status_code == 302
    assert key_client.get("/api/v1/people").status_code == 401
    with api_app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert "api_key_created" in kinds and "api_key_revoked" in kinds


def test_an_organizer_cannot_manage_keys(api_app, client, org_id, login):
    with api_app.app_context():
        make_user(db.session.get(Organization, org_id), Role.organizer, email="sam@example.org")
    login("sam@example.org")
    assert client.get("/organize/local-42/api-keys").status_code == 403


def _key_reads(engine_events: list[str]) -> int:
    return sum("FROM api_keys" in statement for statement in engine_events)


@pytest.fixture
def statements(api_app):
    """Every SQL statement the app runs while the test does."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_key_is_read_from_the_database_once_while_it_is_kept(api_app, api, statements):
    """Ten requests read the key once; after API_KEY_CACHE_SECONDS it is read again."""
    for _ in range(10):
        assert api.get("/api/v1/").status_code == 200
    assert _key_reads(statements) == 1
    api_app.config["API_KEY_CACHE_SECONDS"] = 0
    assert api.get("/api/v1/").status_code == 200
    assert _key_reads(statements) == 2


def test_a_revoked_key_is_refused_by_a_process_that_kept_it(api_app, api, org_id):
    """Revoking leaves a marker in Redis that the admission script checks on every request,
    so a process holding the key in memory (here the very one that read it) refuses it at
    once."""
    assert api.get("/api/v1/people").status_code == 200
    with api_app.app_context():
        key = db.session.scalars(select(ApiKey)).one()
        token_hash = key.token_hash
        # As another web process would: the key stays in this process's memory.
        kept = api_keys.KNOWN.get(token_hash)
        api_keys.revoke(db.session.get(Organization, org_id), key.id, make_user())
        api_keys.KNOWN.put(token_hash, kept)
        assert api_keys.KNOWN.get(token_hash) is not MISSING
    response = api.get("/api/v1/people")
    assert response.status_code == 401
    with api_app.app_context():
        assert api_keys.KNOWN.get(token_hash) is MISSING


def test_with_redis_down_the_key_is_checked_in_the_database(api_app, api, org_id, caplog):
    """No Redis, no revocation marker to read: a kept key is read again from the database,
    so a key revoked meanwhile is refused; a valid one works, without a rate limit."""
    import logging

    import redis

    api_app.config.update(API_RATE_LIMIT=1, API_RATE_BURST=1)
    assert api.get("/api/v1/").status_code == 200
    reachable = api_app.extensions["redis"]
    api_app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0")
    api_app.extensions.pop("campaigns.api_scripts", None)
    try:
        with caplog.at_level(logging.ERROR):
            assert [api.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 200]
        assert "checking the key in the database" in caplog.text
        with api_app.app_context():
            db.session.execute(db.update(ApiKey).values(revoked_at=db.func.now()))
            db.session.commit()
        assert api.get("/api/v1/").status_code == 401
    finally:
        api_app.extensions["redis"] = reachable
        api_app.extensions.pop("campaigns.api_scripts", None)
