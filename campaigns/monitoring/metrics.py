"""What /metrics tells Prometheus: requests as they happen, and the state of the work, read at
scrape time.

Requests are counted and timed per route group (public, organize, api, other: by blueprint,
never by URL, so a million petitions are still four series), in this process's memory, or
under gunicorn in PROMETHEUS_MULTIPROC_DIR, where every worker writes its own file and a scrape
sums them all (prometheus_client's multiprocess mode; monitoring/gunicorn_config.py sets the
folder up and tells the library when a worker exits). The rest is read when Prometheus asks,
with one statement to the database and one round trip to Redis, each bounded by
METRICS_TIMEOUT: the submissions by state (from the hourly tallies and the small partial
indexes the tally keeps), the letters by status, and RQ's queues and workers. If the database
or Redis does not answer, the scrape still answers, with `campaigns_metrics_source_up` at 0.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Flask, Request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from rq import Queue
from sqlalchemy import false, func, select, true

from campaigns.extensions import db
from campaigns.models import ActionHourlyCount, Message, MessageStatus, Submission
from campaigns.monitoring.health import short_redis, statement_timeout
from campaigns.queues import QUEUE_NAMES

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "campaigns_http_requests",
    "Requests answered, by route group, method and status code.",
    ["group", "method", "code"],
)
LATENCY = Histogram(
    "campaigns_http_request_duration_seconds",
    "Seconds from the first hook to the response, by route group.",
    ["group"],
)

GROUPS = {"public": "public", "organize": "organize", "api": "api", "api_v1": "api"}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SIGNATURE_STATES = ("untallied", "unconfirmed", "confirmed", "held", "fraudulent")

# Headers a proxy adds: without a token, a request that came through one is not "local".
PROXY_HEADERS = (
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Real-IP",
)


def route_group(blueprint: str | None) -> str:
    return GROUPS.get((blueprint or "").partition(".")[0], "other")


_children: dict[tuple[str, str, int], tuple] = {}


def observe(blueprint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request; the label children are looked up once per combination."""
    # A client may send any method name: only the known ones make a key of their own.
    method = method if method in METHODS else "other"
    key = (blueprint or "", method, status)
    children = _children.get(key)
    if children is None:
        group = route_group(blueprint)
        children = _children[key] = (
            REQUESTS.labels(group, method, str(status)),
            LATENCY.labels(group),
        )
    children[0].inc()
    children[1].observe(seconds)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def refusal(app: Flask, req: Request) -> int | None:
    """None when `req` may read the metrics, else the status to answer with.

    With METRICS_TOKEN set: `Authorization: Bearer <token>` (compared in constant time), from
    anywhere; 401 otherwise. Without it: only a request made on this machine (a loopback peer,
    no proxy headers), and 404 for every other, so a public address shows nothing there.
    """
    token = app.config.get("METRICS_TOKEN") or ""
    if token:
        scheme, _, given = req.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return None
        return 401
    # The socket's peer, before ProxyFix put the forwarded client address in its place.
    peer = req.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or req.environ.get(
        "REMOTE_ADDR", ""
    )
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and not any(header in req.headers for header in PROXY_HEADERS):
        return None
    return 404


def exposition(app: Flask) -> bytes:
    """The text Prometheus reads: this process's (or every worker's) request metrics, and the
    state of the database and the queues as it is now."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector(app))
    return generate_latest(registry)


class _ThisProcess:
    """The default registry's metrics (ours, and the process and GC figures) in one process."""

    def collect(self):
        yield from REGISTRY.collect()


class StateCollector:
    """Gauges read at scrape time from the database and Redis."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.timeout = float(app.config["METRICS_TIMEOUT"])

    def collect(self):
        up = GaugeMetricFamily(
            "campaigns_metrics_source_up",
            "1 when this scrape could read the source, 0 when it could not.",
            labels=["source"],
        )
        try:
            signatures, letters = self._database()
        except Exception:
            _failed("database")
            up.add_metric(["database"], 0)
        else:
            _failing.discard("database")
            up.add_metric(["database"], 1)
            yield signatures
            yield letters
        try:
            yield from self._redis()
        except Exception:
            _failed("redis")
            up.add_metric(["redis"], 0)
        else:
            _failing.discard("redis")
            up.add_metric(["redis"], 1)
        yield up

    def _database(self):
        sub = Submission.__table__
        buckets = ActionHourlyCount.__table__

        def count(*where):
            return select(func.count()).select_from(sub).where(*where).scalar_subquery()

        # One statement, so one snapshot. Totals come from the tallies; the rest are counts of
        # the tally's own backlog and of fraudulent rows, each read through a partial index.
        statement = select(
            select(func.coalesce(func.sum(buckets.c.signed), 0)).scalar_subquery(),
            select(func.coalesce(func.sum(buckets.c.confirmed), 0)).scalar_subquery(),
            count(sub.c.tallied == 0, sub.c.fraudulent == false()),
            count(sub.c.tallied == 1, sub.c.confirmed_at.is_not(None)),
            count(sub.c.fraudulent == true(), sub.c.held_reason.is_not(None)),
            count(sub.c.fraudulent == true(), sub.c.held_reason.is_(None)),
        )
        status = Message.__table__.c.status
        with db.engine.connect() as connection:
            statement_timeout(connection, self.timeout)
            signed, confirmed, untallied, confirmed_late, held, fraudulent = connection.execute(
                statement
            ).one()
            by_status = dict(
                connection.execute(select(status, func.count()).group_by(status)).all()
            )
        signatures = GaugeMetricFamily(
            "campaigns_signatures",
            "Submissions of every action by state: untallied (not yet in the counts), "
            "unconfirmed, confirmed, held (over a rate limit, waiting) and fraudulent.",
            labels=["state"],
        )
        confirmed += confirmed_late
        for state, value in zip(
            SIGNATURE_STATES,
            (untallied, signed - confirmed, confirmed, held, fraudulent),
            strict=True,
        ):
            signatures.add_metric([state], value)
        letters = GaugeMetricFamily(
            "campaigns_letters", "Letters (messages to targets) by status.", labels=["status"]
        )
        for message_status in MessageStatus:
            letters.add_metric([message_status.value], by_status.get(message_status, 0))
        return signatures, letters

    def _redis(self):
        connection = short_redis(self.app, self.timeout)
        queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
        pipe = connection.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(queue.key)
            pipe.zcard(queue.failed_job_registry.key)
            pipe.zcard(queue.scheduled_job_registry.key)
        pipe.smembers("rq:workers")
        *figures, workers = pipe.execute()
        # A worker that died without saying so stays in the set until RQ cleans it; only
        # those whose own key still lives (it expires without heartbeats) are counted.
        alive = 0
        if workers:
            pipe = connection.pipeline(transaction=False)
            for key in workers:
                pipe.exists(key)
            alive = sum(pipe.execute())
        depth = GaugeMetricFamily(
            "campaigns_rq_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "campaigns_rq_failed_jobs",
            "Jobs in each queue's failed registry (kept 30 days).",
            labels=["queue"],
        )
        scheduled = GaugeMetricFamily(
            "campaigns_rq_scheduled_jobs",
            "Jobs each queue holds for later: retries after a back-off, delayed jobs.",
            labels=["queue"],
        )
        for i, name in enumerate(QUEUE_NAMES):
            depth.add_metric([name], figures[3 * i])
            failed.add_metric([name], figures[3 * i + 1])
            scheduled.add_metric([name], figures[3 * i + 2])
        yield depth
        yield failed
        yield scheduled
        yield GaugeMetricFamily("campaigns_rq_workers", "Live RQ workers.", value=alive)


_failing: set[str] = set()


def _failed(source: str) -> None:
    if source not in _failing:
        log.warning("metrics: could not read the %s", source, exc_info=True)
    _failing.add(source)
