"""Benchmark: delivering queued letters to targets, against a no-op RQ job.

    python bench/letters.py [--letters N] [--letters-b M] [--workers W] [--noop-jobs K]

Starts a throw-away PostgreSQL and Redis and a local SendGrid-compatible server, migrates,
and seeds a live campaign with two identical letter actions, one per scenario, whose text is
shared (no merge fields), with three fixed targets. For each scenario it writes N confirmed,
queued letters in bulk, queues them with `queue_letters`, and times W real RQ workers
(`AppWorker`) sending them until the queue is empty:

  (a) shared text, one Reply-To: every letter answers to the same address, so letters batch
      up to 500 per API call;
  (b) realistic: each supporter's letters answer to that supporter, and SendGrid keeps
      Reply-To per request, so only one supporter's letters (three) share a call.

The baseline is K no-op RQ jobs run by the same workers on the same Redis in the same run.
The last line printed is `ratio: R`: letters/s per worker in (a) divided by no-op jobs/s per
worker.

This file is also the module the workers import the no-op job from (as `letters`), so its
top level imports only what a worker has loaded already.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import kill_tree  # noqa: E402  (needs the path above)

SECRET_KEY = "bench-secret-key"
SENDGRID_API_KEY = "SG.bench"
ORGANIZATION = "Bench Workers United"
ORGANIZER_ADDRESS = "care-bill@bench-workers.example"
TARGETS = [
    ("Dana Reyes", "Representative", "rep.reyes@house.example"),
    ("Sam Okafor", "Senator", "senator.okafor@senate.example"),
    ("Lee Park", "Senator", "senator.park@senate.example"),
]
SUBJECT = "Pass the Home Care Workforce Act"
BODY = """Dear legislator,

I am writing as one of the home care workers, clients and family members in your district
who depend on the Home Care Workforce Act. Home care aides earn too little to stay in the
work: one in three leaves within a year, and the people they care for lose a trusted face
each time. The Act raises the wage floor, pays for travel between clients, and funds
training that leads to a recognized credential.

Please vote yes on the Act and tell the committee chair you want it on the floor this
session.

Thank you for your time and your vote.
"""
FIRST_NAMES = ["Ana", "Kofi", "Mei", "Olga", "Ravi", "Lucia", "Tomas", "Amara", "Jun", "Ines"]
CITIES = [("94612", "Oakland"), ("94110", "San Francisco"), ("95112", "San Jose")]
DEFAULT_NOOP_JOBS = 2000
GOAL_RATIO = 0.5
GOAL_LETTERS_PER_CALL = 100
WORKER_TIMEOUT = 900
# `python -m campaigns worker mail --burst`, with this file imported first, as the worker
# imports the delivery job's module before forking: otherwise every work horse would compile
# this file again (there is no .pyc with PYTHONDONTWRITEBYTECODE) to run one no-op job.
WORKER_COMMAND = [
    sys.executable,
    "-c",
    "import letters; from campaigns.cli import main; main()",
]


def noop() -> None:
    """The baseline job: what RQ and the worker cost per job, with no work in it."""


def barrier(key: str, parties: int) -> None:
    """Hold this worker until `parties` workers each run one barrier job, so the measured
    jobs start only once every worker is up."""
    from campaigns.extensions import queues

    redis = queues.connection
    redis.incr(key)
    deadline = time.monotonic() + 120
    while int(redis.get(key)) < parties:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {redis.get(key)} of {parties} workers came up")
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20000, help="letters per scenario")
    parser.add_argument(
        "--letters-b", type=int, default=None, help="letters in scenario (b) (default: --letters)"
    )
    parser.add_argument("--workers", type=int, default=1, help="RQ workers")
    parser.add_argument(
        "--noop-jobs", type=int, default=DEFAULT_NOOP_JOBS, help="no-op jobs for the baseline"
    )
    args = parser.parse_args(argv)
    if args.letters_b is None:
        args.letters_b = args.letters
    if min(args.letters, args.letters_b, args.workers, args.noop_jobs) < 1:
        parser.error("every count must be at least 1")

    return guarded(run, args)


def guarded(run, args) -> int:
    """`run(args, stack)` with every server and folder it starts on `stack`, closed however
    the run ends: finished, failed, Ctrl-C or SIGTERM (bench/cwc.py runs this way too)."""
    import signal
    from contextlib import ExitStack

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    stack = ExitStack()
    try:
        return run(args, stack)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C while stopping must not leave servers, workers or folders behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()


# --- the run -------------------------------------------------------------------------------


def run(args, stack) -> int:
    import importlib
    import tempfile
    from datetime import UTC, datetime

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from tests.support import servers

    load_before = Path("/proc/loadavg").read_text().split()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-letters-")))
    postgres = servers.start_postgres("campaigns_bench")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)
    sendgrid = start_sendgrid()
    stack.callback(sendgrid.stop)
    engine = create_engine(postgres.url, poolclass=NullPool)
    stack.callback(engine.dispose)

    config = {
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": postgres.url,
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": SENDGRID_API_KEY,
        "SENDGRID_API_HOST": sendgrid.url,
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": SENDGRID_API_KEY,
        "SENDGRID_API_HOST": sendgrid.url,
        # The workers import the no-op job from this file, as the module `letters`.
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(BENCH), str(ROOT), os.environ.get("PYTHONPATH")) if p
        ),
    }
    from campaigns import create_app

    app = create_app(config)
    # The job functions as workers find them: `letters.noop`, not `__main__.noop`.
    jobs = importlib.import_module(Path(__file__).stem)
    workers = Workers(app, env, args.workers, folder, stack)

    seeded = seed(app)
    print(
        f"letter action: subject and body shared, no merge fields ({len(BODY)} characters), "
        f"{len(seeded.targets)} fixed targets ({describe_targets(seeded.targets)})"
    )
    print(
        "letters: confirmed submissions with one queued message per target, due now, written "
        "in bulk (SQLAlchemy Core); all queued with one queue_letters(ids) call "
        f"(jobs of up to {job_size()} letters)"
    )
    print(
        f"workers: {args.workers} × AppWorker (RQ {rq_version()}), "
        + (
            "build_worker(app).work(burst=True) in this process"
            if args.workers == 1
            else "`campaigns worker mail --burst` processes (this file preloaded)"
        )
        + "; SendGrid: local server answering 202"
    )
    print(flush=True)

    baseline = measure_noop(app, workers, jobs, args.noop_jobs)
    print(
        f"baseline: {baseline.jobs} no-op jobs in {baseline.seconds:.2f} s: "
        f"{baseline.per_worker:.1f} jobs/s per worker",
        flush=True,
    )

    scenarios = [
        Scenario(
            "(a)",
            "shared text, one Reply-To",
            seeded.action_a,
            args.letters,
            shared_reply_to=ORGANIZER_ADDRESS,
        ),
        Scenario("(b)", "realistic", seeded.action_b, args.letters_b, shared_reply_to=None),
    ]
    results = []
    for scenario in scenarios:
        people = scenario.write(app, seeded)
        reply_to = (
            f"Reply-To {scenario.shared_reply_to} on every letter"
            if scenario.shared_reply_to
            else "Reply-To the supporter's own email"
        )
        print(
            f"{scenario.key} {scenario.title}: {scenario.letters} letters from {people} "
            f"supporters to {len(seeded.targets)} targets each, {reply_to}",
            flush=True,
        )
        result = deliver(app, workers, jobs, sendgrid, engine, scenario)
        results.append(result)
        print(
            f"    sent in {result.seconds:.2f} s, {result.api_calls} API calls: "
            f"{result.per_worker:.1f} letters/s per worker",
            flush=True,
        )

    report(results, baseline, load_before, redis_version(redis_server.url), datetime.now(UTC))
    return 0 if all(r.ok for r in results) and baseline.ok else 1


# --- the local SendGrid server, counting instead of recording -----------------------------


class Tally:
    """Stands in for SendGridServer.requests: keeps counts and message ids, not bodies."""

    def __init__(self) -> None:
        from collections import Counter

        self.calls = 0
        self.personalizations = 0
        self.message_ids: Counter[int] = Counter()
        self.other = 0

    def append(self, recorded) -> None:
        # Called by the server's handler under its lock.
        if recorded.path != "/v3/mail/send":
            self.other += 1
            return
        self.calls += 1
        for personalization in recorded.body.get("personalizations", []):
            self.personalizations += 1
            message_id = personalization.get("custom_args", {}).get("message_id")
            if message_id is not None:
                self.message_ids[int(message_id)] += 1


def start_sendgrid():
    from tests.support.sendgrid_server import SendGridServer

    server = SendGridServer()
    server.requests = Tally()
    return server.start()


# --- seeding -------------------------------------------------------------------------------


class Seeded:
    def __init__(self, organization, action_a: int, action_b: int, targets, template):
        self.organization_id = organization.id
        self.organization_name = organization.name
        self.action_a = action_a
        self.action_b = action_b
        self.targets = targets  # (id, name, title, email), as send_letter finds them
        self.template = template  # (subject, body)


def seed(app) -> Seeded:
    """Migrate; an organization with a live campaign and two identical letter actions (one
    per scenario), made through the organizers' service functions."""
    from flask_migrate import upgrade

    from campaigns.accounts import staff as accounts
    from campaigns.actions import authoring as organizing
    from campaigns.extensions import db
    from campaigns.letters.admin import FixedTarget, LetterContent, save_letter
    from campaigns.letters.compose import recipients, template_for

    with app.app_context():
        upgrade()
        owner = accounts.create_owner(
            "organizer@bench-workers.example", "correct horse battery", ORGANIZATION
        )
        organization = accounts.memberships(owner)[0].organization
        campaign = organizing.create_campaign(
            organization, title="Pass the Home Care Workforce Act", goal=None
        )
        targets = [FixedTarget(name, title, email) for name, title, email in TARGETS]
        actions = []
        for key in ("a", "b"):
            content = LetterContent(
                locale="en",
                title=f"Write to your legislators ({key})",
                intro="Three letters, one click.",
                subject=SUBJECT,
                body=BODY,
            )
            actions.append(
                save_letter(
                    campaign,
                    [content],
                    targets,
                    fallback=None,
                    editable=False,
                    requires_confirmation=True,
                    goal=None,
                    slug=f"care-bill-letter-{key}",
                )
            )
        organizing.publish(campaign)
        found = [(t.id, t.name, t.title, t.email) for t in recipients(actions[0])]
        template = template_for(actions[0], "en")
        seeded = Seeded(
            organization,
            actions[0].id,
            actions[1].id,
            found,
            (template.subject, template.body),
        )
        db.session.remove()
        db.engine.dispose()
    return seeded


class Scenario:
    def __init__(self, key, title, action_id, letters, shared_reply_to):
        self.key = key
        self.title = title
        self.action_id = action_id
        self.letters = letters
        self.shared_reply_to = shared_reply_to
        self.message_ids: list[int] = []

    def write(self, app, seeded: Seeded) -> int:
        """Supporters, their confirmed submissions and one queued message per target, as
        send_letter writes them (sender name, merged subject and body), in three bulk
        inserts. The last supporter writes to fewer targets when N is not a multiple of
        the target count. Returns the number of supporters."""
        from sqlalchemy import insert

        from campaigns.core.addresses import canonical_email
        from campaigns.extensions import db
        from campaigns.letters.compose import merge, sender_name
        from campaigns.models import Message, MessageStatus, Submission, Supporter, utcnow
        from campaigns.submissions.signing import Signer

        class Target:  # what merge() reads of a target
            def __init__(self, name, title):
                self.name, self.title = name, title

        targets = [(tid, email, Target(name, title)) for tid, name, title, email in seeded.targets]
        people = -(-self.letters // len(targets))
        tag = self.key.strip("()")
        now = utcnow()
        signers = []
        for n in range(people):
            postcode, city = CITIES[n % len(CITIES)]
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            email = f"{first.lower()}.member{n}.{tag}@example.org"
            signers.append(Signer(first, f"Member{n}", email, postcode=postcode, city=city))
        with app.app_context():
            supporters = Supporter.__table__
            supporter_ids = db.session.scalars(
                insert(supporters).returning(supporters.c.id, sort_by_parameter_order=True),
                [
                    {
                        "organization_id": seeded.organization_id,
                        "email": s.email,
                        "email_key": canonical_email(s.email),
                        "first_name": s.first_name,
                        "last_name": s.last_name,
                        "postcode": s.postcode,
                        "city": s.city,
                        "locale": "en",
                        "subscribed": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for s in signers
                ],
            ).all()
            submissions = Submission.__table__
            submission_ids = db.session.scalars(
                insert(submissions).returning(submissions.c.id, sort_by_parameter_order=True),
                [
                    {
                        "action_id": self.action_id,
                        "supporter_id": supporter_id,
                        "comment": "",
                        "source": "",
                        "show_name": False,
                        "locale": "en",
                        "created_at": now,
                        "confirmed_at": now,
                        "confirmation_sent_at": now,
                    }
                    for supporter_id in supporter_ids
                ],
            ).all()
            subject, body = seeded.template
            rows = []
            for signer, submission_id in zip(signers, submission_ids, strict=True):
                from_name = sender_name(signer, seeded.organization_name)
                reply_to = self.shared_reply_to or signer.email
                for target_id, email, target in targets:
                    if len(rows) == self.letters:
                        break
                    rows.append(
                        {
                            "action_id": self.action_id,
                            "submission_id": submission_id,
                            "target_id": target_id,
                            "status": MessageStatus.queued,
                            "to_email": email,
                            "to_name": target.name,
                            "from_name": from_name,
                            "reply_to": reply_to,
                            "subject": merge(subject, signer, target)[:300],
                            "body": merge(body, signer, target),
                            "attempts": 0,
                            "created_at": now,
                            "due_at": now,
                            "updated_at": now,
                        }
                    )
            messages = Message.__table__
            self.message_ids = db.session.scalars(
                insert(messages).returning(messages.c.id, sort_by_parameter_order=True), rows
            ).all()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return people


def describe_targets(targets) -> str:
    return ", ".join(f"{title} {name}" for _id, name, title, _email in targets)


# --- running the workers -------------------------------------------------------------------


class Workers:
    """W real RQ workers on the mail queue, run in burst mode until it is empty."""

    def __init__(self, app, env: dict[str, str], count: int, folder: Path, stack) -> None:
        self.app = app
        self.env = env
        self.count = count
        self.folder = folder
        self.running: list = []
        self.runs = 0
        stack.callback(self.stop_all)

    def barriers(self, jobs_module) -> list[str]:
        """With several workers, one barrier job per worker at the head of the queue."""
        if self.count == 1:
            return []
        from campaigns.queues import enqueue

        key = f"bench:barrier:{self.runs}"
        with self.app.app_context():
            return [
                enqueue(
                    f"{jobs_module.__name__}.barrier", key, self.count, queue="mail", retry=False
                ).id
                for _ in range(self.count)
            ]

    def run(self) -> float:
        """Work the mail queue until it is empty; returns the wall time in seconds."""
        self.runs += 1
        start = time.monotonic()
        if self.count == 1:
            self._run_here()
        else:
            self._run_processes()
        return time.monotonic() - start

    def _run_here(self) -> None:
        import signal

        from campaigns.worker import build_worker

        worker = build_worker(self.app, ["mail"])
        try:
            worker.work(burst=True, logging_level="WARNING")
        finally:
            # RQ installs its own handlers (a warm shutdown on Ctrl-C); put ours back.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        if worker._shutdown_requested_date is not None:
            raise KeyboardInterrupt

    def _run_processes(self) -> None:
        import subprocess

        logs = []
        for n in range(self.count):
            log = self.folder / f"worker-{self.runs}-{n}.log"
            logs.append(log)
            with log.open("wb") as out:
                self.running.append(
                    subprocess.Popen(
                        [*WORKER_COMMAND, "worker", "mail", "--burst"],
                        env=self.env,
                        cwd=ROOT,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        # Our own session: Ctrl-C reaches us, and we stop them ourselves.
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + WORKER_TIMEOUT
        try:
            for process in self.running:
                process.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"the workers did not finish in {WORKER_TIMEOUT} s") from exc
        codes = [p.returncode for p in self.running]
        self.running = []
        if any(codes):
            for log in logs:
                print(f"{log.name}, last lines:\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise RuntimeError(f"a worker exited with status {codes}")

    def stop_all(self) -> None:
        """Kill workers still running, and their work horses (each in its own group)."""

        for process in self.running:
            if process.poll() is not None:
                continue
            kill_tree(process.pid)
            process.wait()
        self.running = []


class JobWindow:
    """The measured jobs as RQ recorded them: all finished?, and the time from the first
    job's start to the last one's end (worker start-up and the barrier excluded)."""

    def __init__(self, app, job_ids: list[str]) -> None:
        from rq.job import Job, JobStatus

        from campaigns.extensions import queues

        with app.app_context():
            jobs = Job.fetch_many(job_ids, connection=queues.connection)
        found = [j for j in jobs if j is not None]
        self.count = len(job_ids)
        self.finished = sum(1 for j in found if j.get_status() == JobStatus.FINISHED)
        self.results = [j.return_value() for j in found]
        if found and all(j.started_at and j.ended_at for j in found):
            start = min(j.started_at for j in found)
            end = max(j.ended_at for j in found)
            self.seconds = (end - start).total_seconds()
        else:
            self.seconds = float("nan")

    @property
    def ok(self) -> bool:
        return self.finished == self.count


def queued_job_ids(app) -> list[str]:
    from campaigns.extensions import queues

    with app.app_context():
        return queues.queue("mail").get_job_ids()


def job_size() -> int:
    from campaigns.letters.delivery import JOB_SIZE

    return JOB_SIZE


# --- the baseline --------------------------------------------------------------------------


class Baseline:
    def __init__(self, jobs: int, window: JobWindow, wall: float, workers: int) -> None:
        self.jobs = jobs
        self.window = window
        self.wall = wall
        self.workers = workers

    @property
    def seconds(self) -> float:
        return self.window.seconds

    @property
    def per_worker(self) -> float:
        return self.jobs / self.seconds / self.workers

    @property
    def ok(self) -> bool:
        return self.window.ok


def measure_noop(app, workers: Workers, jobs_module, count: int) -> Baseline:
    """`count` no-op jobs, enqueued as delivery jobs are (campaigns.queues.enqueue on the mail
    queue, no retry), run by the same workers."""
    from campaigns.queues import enqueue

    barrier_ids = workers.barriers(jobs_module)
    with app.app_context():
        for _ in range(count):
            enqueue(f"{jobs_module.__name__}.noop", queue="mail", retry=False)
    measured = [i for i in queued_job_ids(app) if i not in set(barrier_ids)]
    wall = workers.run()
    return Baseline(count, JobWindow(app, measured), wall, workers.count)


# --- delivering ----------------------------------------------------------------------------


class Result:
    def __init__(self, scenario: Scenario, workers: int) -> None:
        self.scenario = scenario
        self.workers = workers
        self.window: JobWindow | None = None
        self.wall = 0.0
        self.api_calls = 0
        self.personalizations = 0
        self.statuses: dict[str, int] = {}
        self.provider_ids = 0
        self.server_ids_match = False
        self.seen_twice = 0
        self.job_tally: dict[str, int] = {}

    @property
    def letters(self) -> int:
        return self.scenario.letters

    @property
    def seconds(self) -> float:
        return self.window.seconds

    @property
    def per_worker(self) -> float:
        return self.letters / self.seconds / self.workers

    @property
    def per_call(self) -> float:
        return self.letters / self.api_calls if self.api_calls else 0.0

    @property
    def all_sent(self) -> bool:
        return self.statuses == {"sent": self.letters}

    @property
    def ok(self) -> bool:
        return (
            self.window.ok
            and self.all_sent
            and self.server_ids_match
            and self.seen_twice == 0
            and self.personalizations == self.letters
            and self.provider_ids == self.api_calls
            and self.job_tally == {"sent": self.letters}
        )


def deliver(app, workers: Workers, jobs_module, sendgrid, engine, scenario: Scenario) -> Result:
    from collections import Counter

    from sqlalchemy import text

    from campaigns.letters.delivery import queue_letters

    result = Result(scenario, workers.count)
    tally = Tally()
    sendgrid.requests = tally
    barrier_ids = workers.barriers(jobs_module)
    with app.app_context():
        queue_letters(scenario.message_ids)
    measured = [i for i in queued_job_ids(app) if i not in set(barrier_ids)]
    result.wall = workers.run()
    result.window = JobWindow(app, measured)
    totals: Counter[str] = Counter()
    for outcome in result.window.results:
        totals.update(outcome or {})
    result.job_tally = dict(totals)

    result.api_calls = tally.calls
    result.personalizations = tally.personalizations
    result.seen_twice = sum(1 for n in tally.message_ids.values() if n > 1)
    with engine.connect() as conn:
        result.statuses = dict(
            conn.execute(
                text("SELECT status, count(*) FROM messages WHERE action_id = :a GROUP BY status"),
                {"a": scenario.action_id},
            ).all()
        )
        ids = set(
            conn.scalars(
                text("SELECT id FROM messages WHERE action_id = :a"), {"a": scenario.action_id}
            )
        )
        result.provider_ids = conn.scalar(
            text("SELECT count(DISTINCT provider_message_id) FROM messages WHERE action_id = :a"),
            {"a": scenario.action_id},
        )
    result.server_ids_match = ids == set(tally.message_ids) == set(scenario.message_ids)
    return result


# --- the report ----------------------------------------------------------------------------


def report(results: list[Result], baseline: Baseline, load_before, redis, when) -> None:
    print()
    name_width = max(len(f"{r.scenario.key} {r.scenario.title}") for r in results)
    name_width = max(name_width, len("no-op RQ job"))
    print(
        f"{'':{name_width}} {'letters':>8} {'API calls':>9} {'letters/call':>12} "
        f"{'seconds':>8} {'letters/s/worker':>16} {'ratio':>6}"
    )
    for r in results:
        name = f"{r.scenario.key} {r.scenario.title}"
        print(
            f"{name:{name_width}} {r.letters:8d} {r.api_calls:9d} {r.per_call:12.1f} "
            f"{r.seconds:8.2f} {r.per_worker:16.1f} {r.per_worker / baseline.per_worker:6.2f}"
        )
    print(
        f"{'no-op RQ job':{name_width}} {baseline.jobs:8d} {'':9} {'':12} "
        f"{baseline.seconds:8.2f} {baseline.per_worker:16.1f} {'':6}"
    )
    print(f"{'':{name_width}} {'(jobs)':>8} {'':9} {'':12} {'':8} {'(jobs/s/worker)':>16}")
    print("ratio: letters/s per worker divided by no-op jobs/s per worker")
    walls = ", ".join(f"{r.scenario.key} {r.wall:.2f}" for r in results)
    print(
        "seconds: from the first measured job's start to the last one's end, as RQ recorded "
        f"them; with worker start-up and shutdown: {walls}, no-op {baseline.wall:.2f}"
    )
    print()
    for r in results:
        key = r.scenario.key
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(r.statuses.items()))
        print(
            f"database {key}: {statuses}; exactly {r.letters} sent: "
            f"{'ok' if r.all_sent else 'MISMATCH'}"
        )
        seen = "ok" if r.server_ids_match and r.seen_twice == 0 else "MISMATCH"
        print(
            f"sendgrid {key}: {r.api_calls} calls, {r.personalizations} personalizations, "
            f"every message id exactly once ({r.seen_twice} seen twice): {seen}; "
            f"{r.provider_ids} distinct X-Message-Ids in the database: "
            f"{'ok' if r.provider_ids == r.api_calls else 'MISMATCH'}"
        )
        jobs_state = "ok" if r.window.ok and r.job_tally == {"sent": r.letters} else "MISMATCH"
        print(
            f"rq {key}: {r.window.finished} of {r.window.count} delivery jobs finished, "
            f"tally {r.job_tally}: {jobs_state}"
        )
    print(
        f"rq no-op: {baseline.window.finished} of {baseline.window.count} jobs finished: "
        f"{'ok' if baseline.ok else 'MISMATCH'}"
    )
    print()
    print(f"machine: {machine(redis)}; load average {load_before} before the run")
    print(f"date: {when:%Y-%m-%d %H:%M} UTC")
    a, b = results
    ratio_a = a.per_worker / baseline.per_worker
    ratio_b = b.per_worker / baseline.per_worker
    calls_per_100 = 100 * a.api_calls / a.letters
    met = ratio_a >= GOAL_RATIO and a.per_call > GOAL_LETTERS_PER_CALL
    print(
        f"goal: ratio >= {GOAL_RATIO} and fewer than 1 API call per {GOAL_LETTERS_PER_CALL} "
        f"letters with shared text ((a): {calls_per_100:.2f} per 100): "
        f"{'met' if met else 'not met'}"
    )
    print(f"ratio (b) realistic, batches of {b.per_call:.1f}: {ratio_b:.3f}")
    print(f"ratio: {ratio_a:.3f}")


def machine(redis: str) -> str:
    from sign import machine as sign_machine

    return f"{sign_machine()}, Redis {redis}"


def redis_version(url: str) -> str:
    import redis

    connection = redis.Redis.from_url(url)
    try:
        return connection.info("server").get("redis_version", "?")
    finally:
        connection.close()


def rq_version() -> str:
    import rq

    return rq.__version__


if __name__ == "__main__":
    sys.exit(main())
