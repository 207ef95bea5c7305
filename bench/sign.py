"""Benchmark: supporters signing a petition, against a bare Flask endpoint doing one insert.

    python bench/sign.py [--seconds N] [--connections C]

Starts a throw-away PostgreSQL and Redis, migrates and seeds a live petition that needs no
confirmation, serves the app with gunicorn (2 sync workers) and drives `wrk` at POST /a/<slug>,
a unique email and a unique client address (X-Forwarded-For, TRUSTED_PROXIES=1) per request,
so the rate limits see distinct supporters. The baseline, bench/baseline_app.py, runs under
the same gunicorn settings against the same PostgreSQL server and takes the same load. The
last line printed is `ratio: R`, our signatures/s divided by the baseline's inserts/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from tests.support import servers  # noqa: E402

WORKERS = 2
WARMUP_SECONDS = 2
# One wrk thread sends tens of thousands of requests a second, far more than either server
# answers here, and leaves the cores to the servers.
WRK_THREADS = 1
SECRET_KEY = "bench-secret-key"
LUA_SCRIPT = BENCH / "post_forms.lua"
BASELINE_TABLE = "baseline_signatures"
GOAL_RATIO = 0.5
GOAL_P99_MS = 50


@dataclass
class Served:
    url: str
    log: Path
    pid: int


@dataclass
class Result:
    """One measured run: the wrk script's summary and the rows it left in the database."""

    name: str
    stats: dict
    rows: int
    cpu_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.stats["duration_us"] / 1e6

    @property
    def ok(self) -> int:
        return self.stats["redirected"]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def cpu_ms(self) -> float:
        """CPU the web server, PostgreSQL and Redis spent per answered request."""
        return 1000 * self.cpu_seconds / max(1, self.ok + self.errors)

    @property
    def p50_ms(self) -> float:
        return self.stats["p50_us"] / 1000

    @property
    def p99_ms(self) -> float:
        return self.stats["p99_us"] / 1000

    @property
    def in_flight(self) -> int:
        """Requests sent but unanswered when wrk stopped; the server still completes them."""
        return self.stats["sent"] - self.stats["answered"]

    @property
    def consistent(self) -> bool:
        return self.rows == self.ok + self.in_flight

    @property
    def error_kinds(self) -> dict[str, int]:
        kinds = {f"HTTP {status}": n for status, n in self.stats["other_statuses"].items()}
        for kind in ("connect_errors", "read_errors", "write_errors", "timeouts"):
            kinds[kind.replace("_", " ")] = self.stats[kind]
        return {kind: n for kind, n in kinds.items() if n}

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    return run_cleanly(lambda stack: run(args, wrk, stack))


def run_cleanly(body: Callable[[ExitStack], int]) -> int:
    """Run a benchmark's `body`, then stop every server and remove every folder it put on the
    stack, also on Ctrl-C or SIGTERM; returns its exit status."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    stack = ExitStack()
    try:
        return body(stack)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C while stopping must not leave servers or folders behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()


def run(args: argparse.Namespace, wrk: str, stack: ExitStack) -> int:
    load_before = Path("/proc/loadavg").read_text().split()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sign-")))
    postgres = servers.start_postgres("campaigns_bench")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)
    engine = create_engine(postgres.url, poolclass=NullPool)
    stack.callback(engine.dispose)

    def count(table: str) -> Callable[[], int]:
        def rows() -> int:
            with engine.connect() as conn:
                return conn.scalar(text(f"SELECT count(*) FROM {table}"))

        return rows

    slug = seed(postgres.url, redis_server.url)
    postgres_pid = int((postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
    import baseline_app

    baseline_app.metadata.create_all(engine)

    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    env |= {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "outbox",
        # wrk plays a proxy in front of the app: each request names its own supporter's address
        # in X-Forwarded-For, believed from one hop, so the rate limits see many people, as
        # they would behind a real proxy, rather than everyone at 127.0.0.1.
        "TRUSTED_PROXIES": "1",
    }
    ours_path = f"/a/{slug}"
    print(f"campaigns: POST {ours_path}; baseline: POST /sign (bench/baseline_app.py)")
    print(
        f"{args.seconds} s of load on each after {WARMUP_SECONDS} s of warm-up, "
        f"{args.connections} connections from wrk ({WRK_THREADS} thread), "
        f"gunicorn with {WORKERS} sync workers",
        flush=True,
    )

    def measure(name: str, served: Served, path: str, token: str, table: str):
        """Warm the workers up, then load them for the fixed time and count the rows added."""
        warmup = (f"{name}-warmup", WARMUP_SECONDS, args.connections, 0)
        load(wrk, served.url, path, token, *warmup)
        before = settled(count(table))
        roots = [served.pid, postgres_pid, redis_server.process.pid]
        cpu_before = tree_cpu_seconds(roots)
        stats = load(wrk, served.url, path, token, name, args.seconds, args.connections, 1)
        cpu = tree_cpu_seconds(roots) - cpu_before
        result = Result(name, stats, settled(count(table)) - before, cpu)
        if result.errors:
            print(f"{name} server log, last lines:\n{served.log.read_text()[-3000:]}")
        return result

    with gunicorn(["--pythonpath", str(ROOT), "campaigns:served_app()"], env, folder) as served:
        token = form_token(served.url + ours_path)
        ours = measure("campaigns", served, ours_path, token, "submissions")
    with gunicorn(["--pythonpath", str(BENCH), "baseline_app:app"], env, folder) as served:
        # The baseline ignores the token; sending it keeps the requests alike.
        base = measure("baseline", served, "/sign", token, BASELINE_TABLE)

    # No worker runs: every confirmation waits in the list signing adds to.
    jobs = redis.Redis.from_url(redis_server.url).llen("campaigns:confirmations-pending")
    submissions = count("submissions")()
    with engine.connect() as conn:
        fraudulent = conn.scalar(text("SELECT count(*) FROM submissions WHERE fraudulent"))
    # Fraudulent signatures get no confirmation: one job per good submission.
    jobs_ok = jobs == submissions - fraudulent
    report(ours, base, jobs, submissions, load_before, fraudulent)
    ok = ours.consistent and base.consistent and jobs_ok and fraudulent == 0
    return 0 if ok else 1


def seed(database_url: str, redis_url: str) -> str:
    """Migrate, then create an organization with a live petition; returns its slug."""
    seed_petitions(database_url, redis_url, {"fair-pay-care-workers": False})
    return "fair-pay-care-workers"


def seed_petitions(database_url: str, redis_url: str, petitions: dict[str, bool]) -> None:
    """Migrate; an organization with one live campaign per petition, `petitions` mapping each
    slug to whether its signers confirm by email (bench/surge.py seeds two)."""
    from flask_migrate import upgrade

    from campaigns import create_app
    from campaigns.accounts import staff as accounts
    from campaigns.actions import authoring as organizing
    from campaigns.extensions import db
    from campaigns.integrity import checks as integrity

    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "MAIL_BACKEND": "outbox",
        }
    )
    with app.app_context():
        upgrade()
        owner = accounts.create_owner(
            "organizer@example.org", "correct horse battery", "Bench Workers United"
        )
        organization = accounts.memberships(owner)[0].organization
        for slug, requires_confirmation in petitions.items():
            campaign = organizing.create_campaign(
                organization, title="Fair pay for care workers", goal=None
            )
            content = organizing.PetitionContent(
                locale="en",
                title="Fair pay for care workers",
                body="We ask the county to pay home care workers a living wage.",
            )
            organizing.save_petition(
                campaign,
                [content],
                goal=None,
                requires_confirmation=requires_confirmation,
                slug=slug,
            )
            organizing.publish(campaign)
        # Every benchmark supporter's email is at example.org: treat it as the big webmail
        # provider it stands in for, which the limit per email domain leaves alone.
        limits = integrity.limits_of(organization.id)
        limits.allowed_domains += "\nexample.org"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@contextmanager
def gunicorn(arguments: list[str], env: dict[str, str], folder: Path) -> Iterator[Served]:
    """Serve an app with gunicorn on a free port until the block ends.

    It runs in the temporary folder, so no gunicorn.conf.py is picked up and the access log
    stays off (gunicorn's default). The error log goes to a file, shown when something fails.
    """
    import gunicorn as package

    port = servers.free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    if package.version_info >= (27,):
        # Otherwise each server opens a control socket in ~/.gunicorn, shared with any other.
        command.append("--no-control-socket")
    log = folder / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *arguments], env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT
        )
    served = Served(f"http://127.0.0.1:{port}", log, process.pid)
    try:
        wait_until_serving(served.url, process)
        yield served
    except Exception:
        print(f"gunicorn log, last lines:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer, a 404 too, means a worker is serving
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)


def form_token(page_url: str) -> str:
    """GET the petition once: the token its form holds (the action's, the same for every
    visitor; the page sets no cookie) is valid for every POST."""
    with urllib.request.urlopen(page_url, timeout=10) as response:
        if response.headers["Set-Cookie"]:
            raise RuntimeError("the action page set a cookie")
        html = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return urllib.parse.quote(token, safe="")


def load(
    wrk: str,
    url: str,
    path: str,
    token: str,
    tag: str,
    seconds: int,
    connections: int,
    run: int,
) -> dict:
    """Run wrk with the form-posting script; returns the summary its done() prints. `run`
    numbers the runs so their supporters' addresses differ."""
    command = [
        wrk,
        f"--threads={WRK_THREADS}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=5s",
        f"--script={LUA_SCRIPT}",
        url + "/",
        "--",
        path,
        token,
        tag,
        str(run),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("result "))
    return json.loads(line.removeprefix("result "))


def settled(count: Callable[[], int]) -> int:
    """The row count once the requests wrk left in flight have finished on the server."""
    last = count()
    for _ in range(60):
        time.sleep(0.5)
        now = count()
        if now == last:
            break
        last = now
    return last


def report(
    ours: Result, base: Result, jobs: int, submissions: int, load_before: str, fraudulent: int
) -> None:
    print()
    header = f"{'':10} {'signatures/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(f"{header} {'CPU ms/request':>15}")
    for r in (ours, base):
        print(
            f"{r.name:10} {r.per_second:12.1f} {r.p50_ms:8.1f} {r.p99_ms:8.1f} {r.errors:7d}"
            f" {r.cpu_ms:15.2f}"
        )
    for r in (ours, base):
        if r.errors:
            kinds = ", ".join(f"{kind}: {n}" for kind, n in r.error_kinds.items())
            print(f"errors, {r.name}: {kinds}")
    print()
    for r, what in ((ours, "submissions"), (base, "rows")):
        print(
            f"database, {r.name}: {r.rows} {what} added = {r.ok} answered 302 + "
            f"{r.in_flight} in flight when wrk stopped: {'ok' if r.consistent else 'MISMATCH'}"
        )
    good = submissions - fraudulent
    verdict = "ok" if jobs == good else f"MISMATCH with {good} submissions"
    print(f"redis: {jobs} confirmations waiting, one per submission: {verdict}")
    marked = "ok" if fraudulent == 0 else "MISMATCH: every request came from its own address"
    print(f"rate limits: {fraudulent} submissions marked fraudulent: {marked}")
    print()
    print(f"machine: {machine()}; load average {load_before} before the run")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    ratio = ours.per_second / base.per_second
    met = ratio >= GOAL_RATIO and ours.p99_ms < GOAL_P99_MS
    print(f"goal: ratio >= {GOAL_RATIO} and p99 < {GOAL_P99_MS} ms: {'met' if met else 'not met'}")
    print(f"ratio: {ratio:.3f}")


def tree_cpu_seconds(roots: list[int]) -> float:
    """User and system CPU seconds used so far by the processes `roots` and their descendants.

    Read from /proc, so what else runs on the machine is left out: the throughput figures
    move with the load of other work, this one much less.
    """
    tick = os.sysconf("SC_CLK_TCK")
    parent, used = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parent[pid], used[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    members, frontier = set(roots), list(roots)
    while frontier:
        children = [pid for pid, ppid in parent.items() if ppid in frontier]
        frontier = [pid for pid in children if pid not in members]
        members.update(frontier)
    return sum(used.get(pid, 0) for pid in members) / tick


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    version = subprocess.run(
        [str(servers.postgres_bindir() / "postgres"), "--version"], capture_output=True, text=True
    ).stdout
    postgres = re.search(r"PostgreSQL\)? ([\d.]+)", version)
    return (
        f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"PostgreSQL {postgres.group(1) if postgres else '?'}, "
        f"{platform.system()} {platform.release()}"
    )


if __name__ == "__main__":
    sys.exit(main())
