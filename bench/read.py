"""Benchmark: reading a petition with a million signatures, against a static-template app.

    python bench/read.py [--seconds N] [--connections C] [--signatures S]

Starts a throw-away PostgreSQL and Redis, seeds a live petition and S signatures (1,000,000
by default) with INSERT … SELECT generate_series, fills the hourly buckets from them and marks
them tallied, as the tally job would have. Serves the app with gunicorn (2 sync workers) and
drives `wrk` at the public petition page and at /a/<slug>/count.json; then serves
bench/baseline_read_app.py the same way, whose routes render a copy of our page through Jinja
and return a constant JSON, with no database. Then times the organizer dashboard and its
sources page in process. The last line printed is `ratio: R`, the lower of our page's and our
count.json's requests/s over the baseline's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import sign  # noqa: E402  (its servers, gunicorn and machine helpers)
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from tests.support import servers  # noqa: E402

WRK_THREADS = 2
WARMUP_SECONDS = 2
GOAL_RATIO = 0.8
GOAL_DASHBOARD_MS = 100
GOAL = 2_000_000
# Signatures spread over this many days before now, so the daily chart has a month of bars.
DAYS = 30
OWNER = ("organizer@example.org", "correct horse battery")


@dataclass
class Load:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per route")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--signatures", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    return sign.run_cleanly(lambda stack: run(args, wrk, stack))


def run(args: argparse.Namespace, wrk: str, stack: ExitStack) -> int:
    load_before = Path("/proc/loadavg").read_text().split()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-read-")))
    postgres = servers.start_postgres("campaigns_bench")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)

    slug = sign.seed(postgres.url, redis_server.url)
    started = time.monotonic()
    action_id = fill(postgres.url, slug, args.signatures)
    print(f"seeded {args.signatures:,} signatures in {time.monotonic() - started:.1f} s")

    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    env |= {
        "SECRET_KEY": sign.SECRET_KEY,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "outbox",
        "BASELINE_TEMPLATES": str(folder / "templates"),
    }
    print(
        f"{args.seconds} s of load per route after {WARMUP_SECONDS} s of warm-up, "
        f"{args.connections} connections from wrk ({WRK_THREADS} threads), "
        f"gunicorn with {sign.WORKERS} sync workers",
        flush=True,
    )
    results = []
    ours = ["--pythonpath", str(ROOT), "campaigns:served_app()"]
    with sign.gunicorn(ours, env, folder) as served:
        with urllib.request.urlopen(f"{served.url}/a/{slug}", timeout=10) as response:
            html = response.read().decode()
        # The baseline renders the very bytes our page had, as a Jinja template.
        (folder / "templates").mkdir()
        (folder / "templates" / "page.html").write_text(html)
        with urllib.request.urlopen(f"{served.url}/a/{slug}/count.json", timeout=10) as r:
            served_count = r.read().decode()
        for name, path in (("page", f"/a/{slug}"), ("count.json", f"/a/{slug}/count.json")):
            results.append(measure(wrk, served.url, path, f"campaigns {name}", args))
    baseline = ["--pythonpath", str(BENCH), "baseline_read_app:app"]
    with sign.gunicorn(baseline, env, folder) as served:
        for name, path in (("page", "/page"), ("count.json", "/count.json")):
            results.append(measure(wrk, served.url, path, f"baseline {name}", args))

    dashboard_ms, sources_ms = time_dashboard(postgres.url, redis_server.url, action_id)
    report(results, dashboard_ms, sources_ms, served_count, html, args, load_before)
    return 0


def fill(database_url: str, slug: str, n: int) -> int:
    """`n` supporters and signatures of the petition, its buckets, all tallied; its id."""
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as conn:
        action_id, org_id = conn.execute(
            text(
                "SELECT a.id, c.organization_id FROM actions a "
                "JOIN campaigns c ON c.id = a.campaign_id WHERE a.slug = :slug"
            ),
            {"slug": slug},
        ).one()
        conn.execute(
            text("UPDATE actions SET goal = :goal WHERE id = :id"), {"goal": GOAL, "id": action_id}
        )
        # Postcodes from 500 ZIPs, four source codes, three referring sites, one in ten shown
        # publicly, half confirmed ten minutes after signing; spread over the last DAYS days.
        conn.execute(
            text(
                """
                INSERT INTO supporters (uuid, organization_id, email, email_key, first_name,
                    last_name, postcode, city, locale, subscribed, created_at, updated_at)
                SELECT gen_random_uuid()::text, :org, 'p' || g || '@example.org',
                    'p' || g || '@example.org', 'Ana',
                    'Ruiz', (94000 + g % 500)::text, 'Oakland', 'en', false, now(), now()
                FROM generate_series(1, :n) AS g
                """
            ),
            {"org": org_id, "n": n},
        )
        conn.execute(
            text(
                """
                INSERT INTO submissions (uuid, action_id, supporter_id, comment, source, referrer,
                    show_name, locale, created_at, confirmed_at, tallied)
                SELECT gen_random_uuid()::text, :action, s.id, '',
                    (ARRAY['email', 'facebook', 'flyer', ''])[1 + s.id % 4],
                    (ARRAY['', 'facebook.com', 't.co'])[1 + s.id % 3],
                    s.id % 10 = 0, 'en', t.at,
                    CASE WHEN s.id % 2 = 0 THEN t.at + interval '10 minutes' END,
                    CASE WHEN s.id % 2 = 0 THEN 2 ELSE 1 END
                FROM supporters s,
                LATERAL (SELECT (now() AT TIME ZONE 'UTC') - interval '20 minutes'
                    - (s.id % (:days * 86400)) * interval '1 second' AS at) t
                WHERE s.organization_id = :org
                """
            ),
            {"action": action_id, "org": org_id, "days": DAYS},
        )
        # The buckets the tally would have left: signatures by the hour signed,
        # confirmations by the hour confirmed.
        conn.execute(
            text(
                """
                INSERT INTO action_hourly_counts (action_id, hour, signed, confirmed)
                SELECT action_id, hour, sum(signed), sum(confirmed) FROM (
                    SELECT action_id, date_trunc('hour', created_at) AS hour,
                        1 AS signed, 0 AS confirmed
                    FROM submissions WHERE action_id = :action
                    UNION ALL
                    SELECT action_id, date_trunc('hour', confirmed_at), 0, 1
                    FROM submissions WHERE action_id = :action AND confirmed_at IS NOT NULL
                ) AS t GROUP BY action_id, hour
                """
            ),
            {"action": action_id},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return action_id


def measure(wrk: str, url: str, path: str, name: str, args: argparse.Namespace) -> Load:
    def once(seconds: int) -> str:
        command = [
            wrk,
            f"--threads={WRK_THREADS}",
            f"--connections={args.connections}",
            f"--duration={seconds}s",
            "--timeout=5s",
            "--latency",
            url + path,
        ]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    once(WARMUP_SECONDS)
    output = once(args.seconds)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(x) for x in match.groups())
    return Load(name, rate, p50, p99, errors)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def time_dashboard(database_url: str, redis_url: str, action_id: int) -> tuple[float, float]:
    """Median server time of the action's dashboard and of its sources page (ms), logged in,
    through the app's test client: what an organizer waits for beyond the network."""
    from campaigns import create_app

    app = create_app(
        {
            "SECRET_KEY": sign.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "MAIL_BACKEND": "outbox",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    client.post("/organize/login", data={"email": OWNER[0], "password": OWNER[1]})
    with app.app_context():
        from campaigns.extensions import db
        from campaigns.models import Action

        org = db.session.get(Action, action_id).campaign.organization.slug
    timings = {}
    for name, url in (
        ("dashboard", f"/organize/{org}/actions/{action_id}/dashboard"),
        ("sources", f"/organize/{org}/actions/{action_id}/sources"),
    ):
        times = []
        for _ in range(7):
            started = time.perf_counter()
            response = client.get(url)
            times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, (url, response.status_code)
        timings[name] = statistics.median(times[1:])  # the first warms the pool and templates
    with app.app_context():
        db.engine.dispose()
    return timings["dashboard"], timings["sources"]


def report(results, dashboard_ms, sources_ms, served_count, html, args, load_before) -> None:
    print()
    print(f"{'':22} {'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r.name:22} {r.per_second:10.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d}")
    by_name = {r.name: r for r in results}
    page_ratio = by_name["campaigns page"].per_second / by_name["baseline page"].per_second
    json_ratio = (
        by_name["campaigns count.json"].per_second / by_name["baseline count.json"].per_second
    )
    print()
    print(f"page ratio {page_ratio:.3f}, count.json ratio {json_ratio:.3f}")
    print(f"count.json answered: {served_count}")
    shown = re.search(r"data-count>([\d,]+)<", html)
    print(f"page showed the count: {shown.group(1) if shown else '?'} ({args.signatures:,} seeded)")
    print(f"organizer dashboard (counts, both charts): {dashboard_ms:.1f} ms")
    print(f"organizer sources page (GROUP BY over the submissions): {sources_ms:.1f} ms")
    print()
    print(f"machine: {sign.machine()}; load average {load_before} before the run")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    ratio = min(page_ratio, json_ratio)
    met = ratio >= GOAL_RATIO and dashboard_ms < GOAL_DASHBOARD_MS
    print(
        f"goal: ratio >= {GOAL_RATIO} and dashboard < {GOAL_DASHBOARD_MS} ms: "
        f"{'met' if met else 'not met'}"
    )
    print(f"ratio: {ratio:.3f}")


if __name__ == "__main__":
    sys.exit(main())
