"""Signature integrity on the signing path: block and allow lists, and rate limits counted
in Redis. A signature over a limit or from a blocked address is not refused: it is stored
as fraudulent and never counted, as the UK Parliament petitions site does, so an abuser
sees nothing to tune against (docs/security.md, "Signature integrity").
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources

from redis.client import Pipeline
from redis.exceptions import RedisError
from sqlalchemy import select

from campaigns.core.addresses import canonical_email
from campaigns.core.cache import TTLCache
from campaigns.core.domains import registrable_domain
from campaigns.core.ip import ip_hash
from campaigns.extensions import db, queues
from campaigns.models import ListEntry, ListKind, ListName, RateLimit

log = logging.getLogger(__name__)

# An organization's lists and limits are read once per process for this long: signing a
# viral petition then costs no query for them. An owner's change reaches this process at
# once (`forget`) and the other processes within this many seconds.
POLICY_SECONDS = 10
POLICIES = TTLCache("integrity_policies", seconds=POLICY_SECONDS)
KEY_PREFIX = "campaigns:rl"

# Why a signature is fraudulent (Submission.fraud_reason).
BLOCKED = "blocked"
RATE_LIMIT_IP = "rate_limit_ip"
RATE_LIMIT_DOMAIN = "rate_limit_domain"
INVALIDATED = "invalidated"
# The reasons that hold a submission for its confirmation instead of refusing it.
HOLDING_REASONS = frozenset({RATE_LIMIT_IP, RATE_LIMIT_DOMAIN})
REASONS = {
    BLOCKED: "from a blocked address or domain",
    RATE_LIMIT_IP: "over the limit per address",
    RATE_LIMIT_DOMAIN: "over the limit per email domain",
    INVALIDATED: "invalidated by an organizer",
}


class DisposableEmail(ValueError):
    """The email is at a disposable-address provider: the supporter is asked for another."""


@cache
def shipped_disposable_domains() -> frozenset[str]:
    text = resources.files("campaigns").joinpath("data/disposable_domains.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@dataclass
class Policy:
    """What signing needs of an organization's settings, read in one go and cached."""

    limits: RateLimit
    allowed_domains: frozenset[str]
    blocked_networks: list = field(default_factory=list)
    allowed_networks: list = field(default_factory=list)
    blocked_domains: frozenset[str] = frozenset()
    allowed_list_domains: frozenset[str] = frozenset()
    disposable_added: frozenset[str] = frozenset()
    disposable_removed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    """What the checks found; the submission stores the first three."""

    fraudulent: bool = False
    reason: str | None = None
    ip_hash: str | None = None
    email_domain: str | None = None
    ip_allowed: bool = False
    # Letters: submissions from this address on this action in this clock hour (0: not counted).
    ip_hour_count: int = 0
    # The replies to the commands the caller put in the pipeline first; None when Redis
    # could not be reached.
    queued: tuple | None = ()

    @property
    def held(self) -> bool:
        """Caught only by a rate limit: a person sharing an address (a union hall's Wi-Fi,
        a sign-up tablet, a mobile carrier's) looks like this, so the submission is held for
        its confirmation, not dropped. A blocked address or domain is refused outright."""
        return self.fraudulent and self.reason in HOLDING_REASONS


def email_domain(email: str) -> str:
    return canonical_email(email).rpartition("@")[2]


def limit_address(ip: str) -> str:
    """The address limits apply to: an IPv4 address, or the /64 network of an IPv6 one,
    since one household or phone is handed a whole /64 and may use any address in it."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def parse_network(value: str):
    """An address or CIDR network as typed by an owner; ValueError when it is neither."""
    return ipaddress.ip_network(value.strip(), strict=False)


def matches_domain(domain: str, domains: frozenset[str]) -> bool:
    """`domain` or any domain above it is listed: blocking example.com blocks mail.example.com."""
    parts = domain.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))


def limits_of(organization_id: int) -> RateLimit:
    """The organization's settings row, made with the defaults the first time."""
    row = db.session.get(RateLimit, organization_id)
    if row is None:
        row = RateLimit(organization_id=organization_id)
        db.session.add(row)
        db.session.flush()
    return row


def _load_policy(organization_id: int) -> Policy:
    limits = db.session.get(RateLimit, organization_id) or RateLimit(
        organization_id=organization_id
    )
    # Defaults of an unsaved row are applied on insert; fill them in for reading.
    for column in RateLimit.__table__.columns:
        if getattr(limits, column.key) is None and column.default is not None:
            default = column.default.arg
            setattr(limits, column.key, default(None) if callable(default) else default)
    policy = Policy(limits=limits, allowed_domains=limits.allowed_domain_set())
    entries = db.session.scalars(
        select(ListEntry).where(ListEntry.organization_id == organization_id)
    )
    sets: dict[tuple[ListKind, ListName], set[str]] = {}
    for entry in entries:
        if entry.kind == ListKind.ip:
            try:
                network = parse_network(entry.value)
            except ValueError:
                continue
            target = (
                policy.blocked_networks
                if entry.list_name == ListName.block
                else policy.allowed_networks
            )
            target.append(network)
        else:
            sets.setdefault((entry.kind, entry.list_name), set()).add(entry.value.lower())
    policy.blocked_domains = frozenset(sets.get((ListKind.domain, ListName.block), ()))
    policy.allowed_list_domains = frozenset(sets.get((ListKind.domain, ListName.allow), ()))
    policy.disposable_added = frozenset(sets.get((ListKind.disposable, ListName.block), ()))
    policy.disposable_removed = frozenset(sets.get((ListKind.disposable, ListName.allow), ()))
    if limits in db.session:
        # Cached beyond this request's session: detach it with what it has loaded.
        db.session.expunge(limits)
    return policy


def policy(organization_id: int) -> Policy:
    return POLICIES.get_or_load(organization_id, lambda: _load_policy(organization_id))


def forget(organization_id: int) -> None:
    """An owner changed the settings or lists: this process reads them again."""
    POLICIES.forget(organization_id)


def is_disposable(domain: str, found: Policy) -> bool:
    if matches_domain(domain, found.disposable_removed):
        return False
    return matches_domain(domain, shipped_disposable_domains()) or matches_domain(
        domain, found.disposable_added
    )


def check(
    organization_id: int,
    action_id: int,
    ip: str | None,
    email: str,
    now: datetime,
    count_hourly: bool = False,
    pipe: Pipeline | None = None,
    at_table: bool = False,
) -> Verdict:
    """Decide whether a signature is fraudulent, before it is written.

    Raises DisposableEmail for an address at a disposable-email provider. Costs at most one
    round trip to Redis, pipelined; with Redis down the signature is accepted (and logged):
    losing a real signature is worse than counting one extra.
    `count_hourly` also counts the address per clock hour (letters' surge guard).
    `pipe`, a pipeline with the caller's own commands in it, is sent with the limits' in the
    same round trip (and sent even when no limit applies); their replies come back in
    `Verdict.queued`. `at_table`: signed on an open sign-up table (integrity.tables), exempt
    from the address and domain limits; blocks still apply.
    """
    ahead = len(pipe.command_stack) if pipe is not None else 0

    def verdict(*args) -> Verdict:
        queued = ()
        if pipe is not None and ahead and not windows:
            try:
                queued = tuple(pipe.execute())
            except RedisError:
                log.exception("Redis unavailable: the signature's follow-up was not queued")
                queued = None
        return Verdict(*args, queued=queued)

    windows = []  # (reason, key, limit, seconds)
    found = policy(organization_id)
    domain = email_domain(email)
    # Limits and trends count the registrable domain: whoever owns evil.example owns every
    # name under it. Blocks and the disposable list match `domain` and the domains above it.
    counted_domain = registrable_domain(domain)
    address = limit_address(ip) if ip else None
    hashed = ip_hash(address) if address else None
    if is_disposable(domain, found):
        raise DisposableEmail(domain)

    network_ip = None
    if ip:
        try:
            network_ip = ipaddress.ip_address(ip.strip())
        except ValueError:
            network_ip = None
    # A block beats an allow: an owner who blocks a network means it, whatever else says.
    ip_blocked = network_ip is not None and any(
        network_ip in n for n in found.blocked_networks if n.version == network_ip.version
    )
    ip_allowed = network_ip is not None and any(
        network_ip in n for n in found.allowed_networks if n.version == network_ip.version
    )
    if ip_blocked or matches_domain(domain, found.blocked_domains):
        return verdict(True, BLOCKED, hashed, counted_domain, False)

    limits = found.limits
    if at_table:
        return verdict(False, None, hashed, counted_domain, True)
    if hashed and not ip_allowed:
        # Named apart, so two windows of the same length never share (and double) a count.
        for name, limit, seconds in (
            ("burst", limits.burst_limit, limits.burst_seconds),
            ("sustained", limits.sustained_limit, limits.sustained_seconds),
        ):
            if limit and seconds:
                windows.append((RATE_LIMIT_IP, f"ip-{name}:{hashed[:32]}", limit, seconds))
    domain_skipped = matches_domain(domain, found.allowed_domains) or matches_domain(
        domain, found.allowed_list_domains
    )
    if not domain_skipped and limits.domain_limit and limits.domain_seconds:
        counted = f"domain:{counted_domain}"
        windows.append((RATE_LIMIT_DOMAIN, counted, limits.domain_limit, limits.domain_seconds))
    if count_hourly and hashed and not ip_allowed:
        windows.append((None, f"hour:{hashed[:32]}", 0, 3600))
    if not windows:
        return verdict(False, None, hashed, counted_domain, ip_allowed)

    epoch = int(now.timestamp())
    try:
        if pipe is None:
            pipe = queues.connection.pipeline(transaction=False)
        for _, ident, _, seconds in windows:
            # Fixed windows named by their number: INCR starts a window's count at 1, and the
            # key expires once its window is over, so no cleanup is needed.
            key = f"{KEY_PREFIX}:{action_id}:{ident}:{seconds}:{epoch // seconds}"
            pipe.incr(key)
            pipe.expire(key, seconds + 60)
        replies = pipe.execute()
    except RedisError:
        log.exception("rate limits not checked: Redis unavailable; signature accepted")
        return Verdict(False, None, hashed, counted_domain, ip_allowed, queued=None)
    queued, results = tuple(replies[:ahead]), replies[ahead:]
    reason, hourly = None, 0
    for (why, _, limit, _), count in zip(windows, results[::2], strict=True):
        if why is None:
            hourly = count
        elif reason is None and count > limit:
            reason = why
    return Verdict(reason is not None, reason, hashed, counted_domain, ip_allowed, hourly, queued)
