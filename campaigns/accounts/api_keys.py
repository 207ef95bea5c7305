"""API keys: made and revoked by owners, shown once, stored as a hash, limited per key.

A token is `cmp_` and 43 characters of URL-safe base64 (256 random bits). The prefix makes a
leaked key recognizable to secret scanners and to the people who find it in a log; the
entropy makes a plain SHA-256 a safe way to store it (nothing to brute-force), so looking a
key up is one indexed equality query.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import bindparam, select, update

from campaigns.core import audit, reads
from campaigns.core.cache import MISSING, TTLCache
from campaigns.extensions import db, queues
from campaigns.models import ApiKey, ApiScope, Organization, User, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "cmp_"
# How much of the token owners see in the list of keys, to tell them apart.
SHOWN_CHARS = 12
# `last_used_at` is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(Exception):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    organization: Organization, name: str, scope: ApiScope, actor: User
) -> tuple[ApiKey, str]:
    """A new key and its token; the token exists only in this return value."""
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name, e.g. the system that will use it.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        organization_id=organization.id,
        name=name[:100],
        prefix=token[:SHOWN_CHARS],
        token_hash=hash_token(token),
        scope=scope,
        created_by_id=actor.id,
    )
    db.session.add(key)
    audit.record(
        "api_key_created",
        organization=organization,
        actor=actor,
        subject=f"{key.name} ({key.prefix}…)",
        details={"scope": scope.value},
    )
    db.session.commit()
    return key, token


def revoke(organization: Organization, key_id: int, actor: User) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None or key.organization_id != organization.id:
        raise ApiKeyError("No such key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            "api_key_revoked",
            organization=organization,
            actor=actor,
            subject=f"{key.name} ({key.prefix}…)",
            details={"scope": key.scope.value},
        )
        db.session.commit()
        _mark_revoked(key.id)
    return key


def _mark_revoked(key_id: int) -> None:
    """Tell every process that still holds the key in memory: the admission script refuses
    it from the next request on. Kept for a day, far longer than any process keeps a key."""
    try:
        queues.connection.set(revoked_marker(key_id), 1, ex=86400)
    except RedisError:
        log.exception(
            "could not mark API key %s revoked in Redis; processes that read it may accept it"
            " for up to API_KEY_CACHE_SECONDS more",
            key_id,
        )


def keys_of(organization: Organization) -> list[ApiKey]:
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.organization_id == organization.id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
        )
    )


@dataclass(frozen=True)
class KeyRef:
    """What a request needs of its key, read without the ORM."""

    id: int
    organization_id: int
    scope: ApiScope
    last_used_at: datetime | None

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.write


_KEY_BY_HASH = select(ApiKey.id, ApiKey.organization_id, ApiKey.scope, ApiKey.last_used_at).where(
    ApiKey.token_hash == bindparam("token_hash"), ApiKey.revoked_at.is_(None)
)


# Keys read from the database by this process, by token hash: [key, when its last_used_at was
# written]. A revoked key is refused at once all the same: revoking sets a marker in Redis
# that the admission script checks on every request (see `admit`).
KNOWN = TTLCache("api_keys", seconds="API_KEY_CACHE_SECONDS")


def revoked_marker(key_id: int) -> str:
    return f"api-key-revoked:{key_id}"


def _lookup(token_hash: str) -> KeyRef | None:
    """The active key with this hash from the database (one indexed SELECT on the autocommit
    pool), remembered for API_KEY_CACHE_SECONDS."""
    rows = reads.execute(_KEY_BY_HASH, {"token_hash": token_hash})
    if not rows:
        KNOWN.forget(token_hash)
        return None
    key = KeyRef(*rows[0])
    KNOWN.put(token_hash, [key, key.last_used_at])
    return key


def _touch(token_hash: str, key: KeyRef) -> None:
    """Write `last_used_at` at most once a minute per key and process."""
    cached = KNOWN.get(token_hash)
    last = cached[1] if cached is not MISSING else key.last_used_at
    now = utcnow()
    if last is not None and now - last <= LAST_USED_RESOLUTION:
        return
    reads.execute(
        update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now).returning(ApiKey.id)
    )
    if cached is not MISSING:
        cached[1] = now


@dataclass(frozen=True)
class Admission:
    """An API request's key, and how long it must wait when it is over its rate limit."""

    key: KeyRef
    retry_after: int = 0  # whole seconds, as the Retry-After header takes; 0: go ahead


def admit(token: str) -> Admission | None:
    """The active key with this token and its place in the rate limit, or None.

    A key read from the database is kept in memory for API_KEY_CACHE_SECONDS, so most
    requests make no query for it; what they make is one call to Redis, which both counts the
    request against the key's limit (API_RATE_LIMIT a second, API_RATE_BURST at once) and
    refuses a key revoked since (`revoke` leaves a marker there). When Redis is down, the
    key is read from the database instead and the limit is not applied (logged): the limit
    protects the service, and an outage must not cut off every integration.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    token_hash = hash_token(token)
    cached = KNOWN.get(token_hash)
    if cached is not MISSING:
        key = cached[0]
    else:
        key = _lookup(token_hash)
        if key is None:
            return None
    per_second = current_app.config["API_RATE_LIMIT"]
    interval = max(1, round(1000 / per_second)) if per_second > 0 else 0
    try:
        wait_ms = int(
            _script()(
                keys=[f"api-rate:{key.id}", revoked_marker(key.id)],
                args=[interval, current_app.config["API_RATE_BURST"]],
            )
        )
    except RedisError:
        log.exception("API rate limit unavailable; checking the key in the database")
        if cached is not MISSING and _lookup(token_hash) is None:
            return None
        wait_ms = 0
    if wait_ms < 0:  # revoked since it was read
        KNOWN.forget(token_hash)
        return None
    _touch(token_hash, key)
    return Admission(key, retry_after=max(1, -(-wait_ms // 1000)) if wait_ms else 0)


# The generic cell rate algorithm (a token bucket kept as one timestamp): KEYS[1] holds the
# theoretical arrival time of the next request. Redis's own clock is used, so web servers
# with drifting clocks share one limit. Returns -1 when the key has been revoked (KEYS[2]
# exists), 0 when the request may go ahead, else the milliseconds to wait. An interval of 0
# turns the limit off.
_GCRA = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local interval = tonumber(ARGV[1])
if interval <= 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then return allow_at - now end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return 0
"""


def _script():
    scripts = current_app.extensions.setdefault("campaigns.api_scripts", {})
    if "gcra" not in scripts:
        scripts["gcra"] = queues.connection.register_script(_GCRA)
    return scripts["gcra"]
