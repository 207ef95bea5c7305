"""Benchmark: a surge of signatures on two web nodes, with the confirmation emails keeping up.

    python bench/surge.py [--seconds N] [--rate R] [--probe-seconds N]

Two web nodes (gunicorn, 2 sync workers each, their own instance folders) and two
`campaigns worker` processes share one PostgreSQL and one Redis, as two machines would. The
petition needs confirming, so every signature is followed by a confirmation email, sent
through the official SendGrid client to a local server that speaks SendGrid's v3 API and
notes when each message arrives.

First `wrk` measures, on one node, how fast a petition without confirmation is signed (what
bench/sign.py measures); the surge then signs at half that rate (or `--rate`) for `--seconds`,
each request to the other node than the last, open loop: request n leaves at n / rate seconds
whatever the answers before it, so a slow server meets a queue of requests, not a politer
client. Printed: the rate held, errors, the time from each signature's answer to its
confirmation email arriving at the provider (p50, p99), the confirmations waiting and the mail
queue's length every few seconds, CPU per signature (with its email), and last
`ratio: R` = confirmation emails sent per second while some were waiting to be sent over
signatures per second held: at 1.0 the mail just keeps up, above it there is room.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis  # noqa: E402
import sign
from sign import ROOT, gunicorn, machine, run_cleanly, tree_cpu_seconds
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from tests.support import servers  # noqa: E402
from tests.support.sendgrid_server import SendGridServer  # noqa: E402

SECRET_KEY = sign.SECRET_KEY
PROBE_SLUG = "probe-fair-pay"
SURGE_SLUG = "surge-fair-pay"
MAIL_WORKERS = 2
CLIENT_THREADS = 24
SAMPLE_EVERY = 1.0
# After the last signature, how long the emails may take to arrive before they count as lost.
DRAIN_SECONDS = 240
GOAL_P99_SECONDS = 30
GOAL_RATIO = 1.0
# The surge must hold the rate it was asked for, give or take the client's own jitter.
GOAL_HELD = 0.95


@dataclass
class Signing:
    """One supporter's request: when it was due, when its answer came, and what it was."""

    email: str
    due: float
    answered: float = 0.0
    status: int = 0
    error: str = ""


@dataclass
class Sample:
    at: float
    signed: int
    emailed: int
    waiting: int  # confirmations listed by signing, not yet taken by a drain job
    mail_queue: int  # jobs waiting on the mail queue


@dataclass
class Surge:
    signings: list[Signing]
    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    # Set once the last email arrived (or never will): the sampler stops.
    finished: threading.Event = field(default_factory=threading.Event)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the surge")
    parser.add_argument("--rate", type=float, default=0, help="signatures/s (default: probe/2)")
    parser.add_argument("--probe-seconds", type=int, default=10, help="wrk time of the probe")
    args = parser.parse_args(argv)
    wrk = sign.shutil.which("wrk")
    if wrk is None and not args.rate:
        print("wrk is not installed (apt-get install -y wrk), or give --rate", file=sys.stderr)
        return 2
    return run_cleanly(lambda stack: run(args, wrk, stack))


def run(args: argparse.Namespace, wrk: str | None, stack: ExitStack) -> int:
    load_before = Path("/proc/loadavg").read_text().split()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-surge-")))
    postgres = servers.start_postgres("campaigns_surge")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)
    sendgrid = SendGridServer().start()
    stack.callback(sendgrid.stop)
    engine = create_engine(postgres.url, poolclass=NullPool)
    stack.callback(engine.dispose)
    sign.seed_petitions(postgres.url, redis_server.url, {PROBE_SLUG: False, SURGE_SLUG: True})
    postgres_pid = int((postgres.folder / "data" / "postmaster.pid").read_text().split()[0])

    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    env |= {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": "SG.bench",
        "SENDGRID_API_HOST": sendgrid.url,
        "MAIL_FROM": "campaigns@example.org",
        # The client plays the proxy: each supporter's own address in X-Forwarded-For.
        "TRUSTED_PROXIES": "1",
    }
    nodes = []
    for name in ("a", "b"):
        node_env = env | {"INSTANCE_PATH": str(folder / f"instance-{name}")}
        app_args = ["--pythonpath", str(ROOT), "campaigns:served_app()"]
        nodes.append(stack.enter_context(gunicorn(app_args, node_env, folder)))

    if args.rate:
        probe_rate = None
        rate = args.rate
    else:
        probe_rate = probe(wrk, nodes[0], args.probe_seconds)
        rate = probe_rate / 2
        forget_probe_mail(redis_server.url)
    print(
        f"surge: {rate:.1f} signatures/s for {args.seconds} s, alternating between two nodes "
        f"(gunicorn, {sign.WORKERS} sync workers each), {MAIL_WORKERS} mail workers, "
        f"{CLIENT_THREADS} client threads",
        flush=True,
    )

    workers = start_workers(env, folder, stack)
    roots = [*(node.pid for node in nodes), *(w.pid for w in workers)]
    roots += [postgres_pid, redis_server.process.pid]
    token = sign.form_token(f"{nodes[1].url}/a/{SURGE_SLUG}")
    connection = redis.Redis.from_url(redis_server.url)
    signings = [
        Signing(f"surge-{n}@example.org", n / rate) for n in range(int(rate * args.seconds))
    ]
    surge = Surge(signings)
    received = received_counter(sendgrid)
    cpu_before = tree_cpu_seconds(roots)
    drive(surge, nodes, token, connection, received)
    drained = wait_for_mail(surge, connection, received)
    cpu = tree_cpu_seconds(roots) - cpu_before
    for worker in workers:
        if worker.poll() is not None:
            print(f"a mail worker ended early: {worker.returncode}", file=sys.stderr)

    arrivals = arrival_times(sendgrid)
    with engine.connect() as conn:
        rows = conn.scalar(text("SELECT count(*) FROM submissions"))
        unsent = conn.scalar(
            text(
                "SELECT count(*) FROM submissions JOIN actions ON actions.id = action_id "
                "WHERE actions.slug = :slug AND confirmation_sent_at IS NULL"
            ),
            {"slug": SURGE_SLUG},
        )
    return report(
        surge,
        rate,
        probe_rate,
        arrivals,
        cpu,
        drained,
        rows,
        unsent,
        load_before,
    )


def probe(wrk: str, node: sign.Served, seconds: int) -> float:
    """Signatures/s one node answers flat out, as bench/sign.py measures it."""
    path = f"/a/{PROBE_SLUG}"
    token = sign.form_token(node.url + path)
    sign.load(wrk, node.url, path, token, "probe-warmup", sign.WARMUP_SECONDS, 8, 0)
    stats = sign.load(wrk, node.url, path, token, "probe", seconds, 8, 1)
    rate = stats["redirected"] / (stats["duration_us"] / 1e6)
    print(f"probe: one node signs {rate:.1f}/s flat out (wrk, 8 connections, {seconds} s)")
    return rate


def forget_probe_mail(redis_url: str) -> None:
    """The probe's signers are sent a receipt too: drop those emails, so the workers start
    on the surge's alone."""
    from campaigns.submissions.confirmation_mail import MARKER_KEY, PENDING_KEY

    connection = redis.Redis.from_url(redis_url)
    connection.delete(PENDING_KEY, MARKER_KEY, "rq:queue:mail")


def start_workers(env: dict[str, str], folder: Path, stack: ExitStack) -> list:
    """The mail workers, `campaigns worker` on every queue, as a deployment runs them."""
    workers = []
    for n in range(MAIL_WORKERS):
        worker_env = env | {"INSTANCE_PATH": str(folder / f"instance-worker-{n}")}
        log = (folder / f"worker-{n}.log").open("wb")
        stack.callback(log.close)
        process = subprocess.Popen(
            [sys.executable, "-m", "campaigns", "worker"],
            env=worker_env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(stop, process)
        workers.append(process)
    return workers


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def received_counter(sendgrid: SendGridServer) -> Callable[[], int]:
    def count() -> int:
        return sum(len(r.body.get("personalizations", [])) for r in list(sendgrid.requests))

    return count


def drive(
    surge: Surge,
    nodes: list[sign.Served],
    token: str,
    connection: redis.Redis,
    received: Callable[[], int],
) -> None:
    """Send every signing at its due time from a pool of threads; sample meanwhile."""
    from campaigns.submissions.confirmation_mail import PENDING_KEY

    next_index = iter(range(len(surge.signings)))
    lock = threading.Lock()
    surge.started = time.monotonic() + 0.5

    def client() -> None:
        conns = [http.client.HTTPConnection(urllib.parse.urlsplit(n.url).netloc) for n in nodes]
        while True:
            with lock:
                n = next(next_index, None)
            if n is None:
                return
            signing = surge.signings[n]
            wait = surge.started + signing.due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            post(conns, n, signing, token)

    def sampler() -> None:
        mail_queue = "rq:queue:mail"
        while not surge.finished.wait(SAMPLE_EVERY):
            signed = sum(1 for s in surge.signings if s.status == 302)
            surge.samples.append(
                Sample(
                    time.monotonic() - surge.started,
                    signed,
                    received(),
                    connection.llen(PENDING_KEY),
                    connection.llen(mail_queue),
                )
            )

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def post(conns: list[http.client.HTTPConnection], n: int, signing: Signing, token: str) -> None:
    """POST one signature to node n % 2, from its own client address; note the answer."""
    body = urllib.parse.urlencode(
        {
            "first_name": "Maria",
            "last_name": "Garcia",
            "postcode": "94612",
            "city": "Oakland",
            "comment": "",
            "website": "",
            "email": signing.email,
        }
    )
    body += f"&csrf_token={token}"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
    }
    conn = conns[n % 2]
    try:
        conn.request("POST", f"/a/{SURGE_SLUG}", body, headers)
        response = conn.getresponse()
        response.read()
        signing.status = response.status
    except (OSError, http.client.HTTPException) as exc:
        signing.error = type(exc).__name__
        conn.close()
    signing.answered = time.monotonic()


def wait_for_mail(surge: Surge, connection: redis.Redis, received: Callable[[], int]) -> bool:
    """Wait until every accepted signature's email arrived; False if some never did."""
    expected = sum(1 for s in surge.signings if s.status == 302)
    deadline = time.monotonic() + DRAIN_SECONDS
    try:
        while time.monotonic() < deadline:
            if received() >= expected:
                return True
            time.sleep(0.2)
        return False
    finally:
        time.sleep(SAMPLE_EVERY)  # one sample after the last email
        surge.finished.set()


def arrival_times(sendgrid: SendGridServer) -> dict[str, float]:
    """Each recipient's first arrival at the provider, on the monotonic clock."""
    arrivals: dict[str, float] = {}
    for request in list(sendgrid.requests):
        for personalization in request.body.get("personalizations", []):
            for to in personalization.get("to", []):
                arrivals.setdefault(to["email"], request.received_at)
    return arrivals


def sending_rate(samples: list[Sample]) -> tuple[float, float]:
    """Emails per second while confirmations were waiting to be sent, and those seconds:
    what the mail workers manage when they have work, not how fast signers give it."""
    emails, seconds = 0, 0.0
    for before, after in zip(samples, samples[1:], strict=False):
        if before.waiting > 0 and after.waiting > 0:
            emails += after.emailed - before.emailed
            seconds += after.at - before.at
    return (emails / seconds if seconds else 0.0), seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(
    surge: Surge,
    rate: float,
    probe_rate: float | None,
    arrivals: dict[str, float],
    cpu: float,
    drained: bool,
    rows: int,
    unsent: int,
    load_before: str,
) -> int:
    accepted = [s for s in surge.signings if s.status == 302]
    failed = [s for s in surge.signings if s.status != 302]
    span = max(s.answered for s in surge.signings) - surge.started
    held = len(accepted) / span
    lateness = [s.answered - surge.started - s.due for s in surge.signings]
    waits = [arrivals[s.email] - s.answered for s in accepted if s.email in arrivals]
    missing = [s for s in accepted if s.email not in arrivals]
    print()
    print(f"asked {rate:.1f}/s, held {held:.1f}/s: {len(accepted)} signatures in {span:.1f} s")
    print(
        f"answers: p50 {1000 * percentile(lateness, 0.5):.0f} ms, "
        f"p99 {1000 * percentile(lateness, 0.99):.0f} ms after each request was due"
    )
    kinds: dict[str, int] = {}
    for s in failed:
        kind = s.error or f"HTTP {s.status}"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"errors: {len(failed)}" + (f" ({kinds})" if kinds else ""))
    print(
        f"signature to confirmation email at the provider: p50 {percentile(waits, 0.5):.2f} s, "
        f"p99 {percentile(waits, 0.99):.2f} s, max {max(waits, default=float('nan')):.2f} s; "
        f"{len(missing)} of {len(accepted)} never arrived"
    )
    print(f"database: {rows} submissions; {unsent} of the surge's without a confirmation sent")
    print()
    print(f"{'s':>5} {'signed':>7} {'emailed':>8} {'waiting':>8} {'mail queue':>11}")
    step = max(1, len(surge.samples) // 24)
    shown = surge.samples[::step]
    if surge.samples and shown[-1] is not surge.samples[-1]:
        shown.append(surge.samples[-1])
    for s in shown:
        print(f"{s.at:5.0f} {s.signed:7d} {s.emailed:8d} {s.waiting:8d} {s.mail_queue:11d}")
    deepest = max((s.waiting + s.mail_queue for s in surge.samples), default=0)
    print(f"deepest backlog: {deepest} (confirmations waiting + mail jobs queued)")
    print()
    email_rate, busy = sending_rate(surge.samples)
    during = [s for s in surge.samples if s.at <= span]
    if len(during) > 1:
        sent_during = during[-1].emailed - during[0].emailed
        pace = sent_during / (during[-1].at - during[0].at)
        print(f"emails during the signing: {pace:.1f}/s")
    print(f"emails while some were waiting: {email_rate:.1f}/s over {busy:.0f} s")
    if waits:
        first, last = min(arrivals.values()), max(arrivals.values())
        paced = (len(arrivals) - 1) / (last - first) if last > first else float("nan")
        print(f"emails arrived at {paced:.1f}/s from the first to the last")
    print(f"CPU per signature with its email: {1000 * cpu / max(1, len(accepted)):.2f} ms")
    if probe_rate is not None:
        print(f"probe: {probe_rate:.1f}/s on one node; the surge asked half")
    print()
    print(f"machine: {machine()}; load average {load_before} before the run")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    ratio = email_rate / held if held else 0.0
    met = (
        not failed
        and not missing
        and drained
        and unsent == 0
        and held >= GOAL_HELD * rate
        and percentile(waits, 0.99) < GOAL_P99_SECONDS
        and ratio >= GOAL_RATIO
    )
    print(
        f"goal: 0 errors, every email arrived, rate held >= {GOAL_HELD} of asked, "
        f"confirmation p99 < {GOAL_P99_SECONDS} s, ratio >= {GOAL_RATIO}: "
        f"{'met' if met else 'not met'}"
    )
    print(f"ratio: {ratio:.3f}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
