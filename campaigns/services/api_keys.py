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

from campaigns.extensions import db, queues
from campaigns.models import ApiKey, ApiScope, Organization, User, utcnow
from campaigns.services import audit, reads

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
    return key


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


def authenticate(token: str) -> KeyRef | None:
    """The active key with this token, or None. One indexed SELECT on the autocommit pool
    (every API request makes it), and a write at most once a minute."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    rows = reads.execute(_KEY_BY_HASH, {"token_hash": hash_token(token)})
    if not rows:
        return None
    key = KeyRef(*rows[0])
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        reads.execute(
            update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now).returning(ApiKey.id)
        )
    return key


# The generic cell rate algorithm (a token bucket kept as one timestamp): the key holds the
# theoretical arrival time of the next request. Redis's own clock is used, so web servers
# with drifting clocks share one limit. Returns 0 when allowed, else milliseconds to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then return allow_at - now end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return 0
"""


@dataclass(frozen=True)
class Limited:
    retry_after: int  # whole seconds, as the Retry-After header takes


def rate_limit(key: KeyRef) -> Limited | None:
    """Count a request against `key`'s limit (API_RATE_LIMIT per second, API_RATE_BURST at
    once); a `Limited` when it is over. Redis being down lets requests through (logged):
    the limit protects the service, and an outage must not cut off every integration."""
    per_second = current_app.config["API_RATE_LIMIT"]
    burst = current_app.config["API_RATE_BURST"]
    if per_second <= 0:
        return None
    interval = max(1, round(1000 / per_second))
    try:
        script = _script()
        wait_ms = script(keys=[f"api-rate:{key.id}"], args=[interval, burst])
    except RedisError:
        log.exception("API rate limit unavailable; allowing the request")
        return None
    if not wait_ms:
        return None
    return Limited(retry_after=max(1, -(-int(wait_ms) // 1000)))


def _script():
    scripts = current_app.extensions.setdefault("campaigns.api_scripts", {})
    if "gcra" not in scripts:
        scripts["gcra"] = queues.connection.register_script(_GCRA)
    return scripts["gcra"]
