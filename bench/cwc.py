"""Benchmark: delivering letters to Congress through CWC, against a no-op RQ job.

    python bench/cwc.py [--letters N] [--workers W] [--noop-jobs K]
                        [--limit-seconds S] [--limit-workers V]

Starts a throw-away PostgreSQL and Redis and the local CWC server of
`tests/support/cwc_server.py`, migrates, and seeds a live campaign with two letter actions
to Congress (topic "Labor and Employment", one bill, pro) whose targets are offices with no
email, a representative (HCA12) and two senators (SCA01, SCA03), which `routes_to` sends by
cwc_house and cwc_senate; the office lists are fetched from the server, as the daily job
does. Supporters, confirmed submissions with their postal addresses and one queued letter
per office are written in bulk (bench/letters.py's inserts, then channels and addresses).

Throughput, at CWC_RATE_PER_SECOND=1000: N letters queued with one `queue_letters` call,
and W real RQ workers (`AppWorker`) deliver them until the queue is empty, through the whole
of `congress_delivery.deliver`: claimed 50 at a time, then each on its own: its office
checked against the list, its document built, a slot taken from the chamber's rate in
Redis, one POST, marked delivered. The baseline is K no-op RQ jobs run by the same workers
on the same Redis in the same run. The last line is `ratio: R`: letters/s per worker
divided by no-op jobs/s per worker.

Pacing, at the default CWC_RATE_PER_SECOND=5: S × 5 supporters each write to the
representative and one senator; each chamber's letters are queued as V/2 jobs, so V
workers (4) keep both chambers busy for about S seconds, two sharing each one's slots (a
job per supporter would measure RQ's cost per job instead of the limiter). The rate is
counted from when the server accepted each document, per whole second of the clock Redis's
limiter counts in, leaving out the first and last (partly used) seconds: the limiter lets a
second's five through together as it begins, so a count over the run's span would depend on
where its ends fall among those bursts.

The server checks every document against CWC's RelaxNG schema (lxml). It runs in a child
process forked before the app exists, so that work and its record of every request stay out
of the benchmark's process, which forks every work horse. It still shares the cores, and a
worker waits for each answer, so its CPU time per request is printed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import letters
from letters import BENCH, ROOT, JobWindow, Scenario, Workers, measure_noop, queued_job_ids

OFFICES = [
    ("Dana Reyes", "Representative", "HCA12"),
    ("Sam Okafor", "Senator", "SCA01"),
    ("Lee Park", "Senator", "SCA03"),
]
TOPIC = "Labor and Employment"
BILL = "hr 1234 119"
AGENT = "Bench Digital"
THROUGHPUT_RATE = 1000
DEFAULT_RATE = 5
GOAL_RATIO = 0.5
GOAL_DEVIATION = 0.05
CHAMBERS = ("house", "senate")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20000, help="letters for throughput")
    parser.add_argument("--workers", type=int, default=1, help="RQ workers for throughput")
    parser.add_argument("--noop-jobs", type=int, default=2000, help="no-op jobs (baseline)")
    parser.add_argument("--limit-seconds", type=int, default=10, help="length of the pacing run")
    parser.add_argument("--limit-workers", type=int, default=4, help="RQ workers for pacing")
    args = parser.parse_args(argv)
    if min(vars(args).values()) < 1:
        parser.error("every count must be at least 1")

    return letters.guarded(run, args)


def run(args, stack) -> int:
    import tempfile

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from tests.support import servers

    load_before = Path("/proc/loadavg").read_text().split()[0]
    cwc = CwcChild(stack)  # forked first, while this process is small
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cwc-")))
    postgres = servers.start_postgres("campaigns_bench")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)
    engine = create_engine(postgres.url, poolclass=NullPool)
    stack.callback(engine.dispose)

    settings = {
        "SECRET_KEY": "bench-secret-key",
        "REDIS_URL": redis_server.url,
        "MAIL_BACKEND": "outbox",
        "CWC_HOUSE_URL": cwc.url,
        "CWC_HOUSE_API_KEY": cwc.house_key,
        "CWC_SENATE_URL": cwc.url,
        "CWC_SENATE_API_KEY": cwc.senate_key,
        "CWC_DELIVERY_AGENT": AGENT,
        "CWC_DELIVERY_AGENT_EMAIL": "cwc@bench-digital.example",
        "CWC_DELIVERY_AGENT_CONTACT_NAME": "Sam Rivera",
        "CWC_DELIVERY_AGENT_CONTACT_PHONE": "202-555-0100",
        "CWC_TIMEOUT": 20,
        "CWC_RATE_PER_SECOND": THROUGHPUT_RATE,
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {k: str(v) for k, v in settings.items()} | {"DATABASE_URL": postgres.url}
    # The workers import the no-op job from bench/letters.py, as the module `letters`.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(BENCH), str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    from campaigns import create_app

    app = create_app(settings | {"SQLALCHEMY_DATABASE_URI": postgres.url})
    workers = Workers(app, env, args.workers, folder, stack)
    seeded = seed(app)
    cwc.take()  # the office lists' fetches are not measured
    print(f"letter action: to Congress, topic {TOPIC}, bill {BILL}, pro; {seeded.describe}")
    print(
        f"workers: AppWorker (RQ {letters.rq_version()}); CWC: tests/support/cwc_server.py in "
        f"a child process, every document checked against the schema; {seeded.listed}\n"
    )
    baseline = measure_noop(app, workers, letters, args.noop_jobs)
    print(
        f"baseline: {baseline.jobs} no-op jobs, {args.workers} worker(s), in "
        f"{baseline.seconds:.2f} s: {baseline.per_worker:.1f} jobs/s per worker",
        flush=True,
    )
    fast = Phase("throughput", THROUGHPUT_RATE, args.workers, seeded, args.letters)
    fast.write(app, engine, "all queued with one queue_letters(ids) call")
    fast.deliver(app, workers, engine, cwc, [fast.message_ids])
    # Two offices: S seconds' worth of letters for each chamber.
    count = 2 * DEFAULT_RATE * args.limit_seconds
    paced = Phase("pacing", DEFAULT_RATE, args.limit_workers, seeded, count)
    split = max(1, args.limit_workers // 2)
    paced.write(app, engine, f"each chamber's in {split} queue_letters call(s) (jobs)")
    workers.count = args.limit_workers
    workers.env = env | {"CWC_RATE_PER_SECOND": str(DEFAULT_RATE)}
    per_office = [paced.message_ids[k :: len(paced.targets)] for k in range(len(paced.targets))]
    jobs = [ids[n::split] for n in range(split) for ids in per_office]
    paced.deliver(app, workers, engine, cwc, jobs)

    report(fast, paced, baseline)
    machine = letters.machine(letters.redis_version(redis_server.url))
    print(f"machine: {machine}; load average {load_before} before the run")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    ratio = fast.per_worker / baseline.per_worker
    duplicates = fast.stats["repeats"] + paced.stats["repeats"]
    met = ratio >= GOAL_RATIO and duplicates == 0
    print(f"goal: ratio >= {GOAL_RATIO} and 0 duplicates: {'met' if met else 'not met'}")
    paced_met = all(abs(paced.achieved(c) / DEFAULT_RATE - 1) <= GOAL_DEVIATION for c in CHAMBERS)
    print(
        f"goal: each chamber within {GOAL_DEVIATION:.0%} of {DEFAULT_RATE}/s at the default "
        f"limit: {'met' if paced_met else 'not met'}"
    )
    print(f"ratio: {ratio:.3f}")
    return 0 if fast.ok and paced.ok and baseline.ok else 1


# --- the CWC server, in a process of its own ----------------------------------------------


class CwcChild:
    """tests/support/cwc_server.py's CwcServer in a forked child, asked for its figures over
    a pipe: `take()` returns what it saw since the last call, and forgets it."""

    def __init__(self, stack) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        stack.callback(self.stop)
        self.url, self.house_key, self.senate_key = self.pipe.recv()

    def take(self) -> dict:
        self.pipe.send("take")
        return self.pipe.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.pipe.send("stop")
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _serve(pipe) -> None:
    import signal
    from collections import Counter

    from tests.support.cwc_server import CwcServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    server = CwcServer().start()
    pipe.send((server.url, server.house_key, server.senate_key))
    cpu = time.process_time()
    while pipe.recv() == "take":
        posts = [r for r in server.received if r.method == "POST"]
        accepted, repeats = set(), 0
        for r in posts:
            repeats += r.delivery_id in accepted
            if r.status in (200, 201):
                accepted.add(r.delivery_id)
        # Received.at is time.monotonic(); time.time() is the clock Redis counts seconds in.
        offset = time.time() - time.monotonic()
        pipe.send(
            {
                "requests": len(server.received),
                "statuses": dict(sorted(Counter(r.status for r in posts).items())),
                "accepted": [r.delivery_id for r in server.deliveries()],
                "repeats": repeats,
                "times": {c: [r.at + offset for r in server.deliveries(c)] for c in CHAMBERS},
                "cpu": time.process_time() - cpu,
            }
        )
        server.received.clear()
        server.accepted = {c: [] for c in CHAMBERS}
        cpu = time.process_time()
    server.stop()


# --- seeding -------------------------------------------------------------------------------


def seed(app) -> SimpleNamespace:
    """Migrate; an organization with a live campaign and two letter actions to Congress made
    through the organizers' service functions; the three offices as targets with no email."""
    from flask_migrate import upgrade

    from campaigns.accounts import staff as accounts
    from campaigns.actions import authoring as organizing
    from campaigns.congress import office_lists
    from campaigns.extensions import db
    from campaigns.letters.admin import CongressOptions, LetterContent, save_letter
    from campaigns.letters.compose import routes_to, template_for
    from campaigns.models import ActionTarget, Target

    with app.app_context():
        upgrade()
        owner = accounts.create_owner(
            "organizer@bench-workers.example", "correct horse battery", letters.ORGANIZATION
        )
        organization = accounts.memberships(owner)[0].organization
        campaign = organizing.create_campaign(organization, title=letters.SUBJECT, goal=None)
        targets = [
            Target(organization_id=organization.id, name=name, title=title, office_code=office)
            for name, title, office in OFFICES
        ]
        db.session.add_all(targets)
        db.session.flush()
        actions, routes = {}, {}
        for phase, chosen in (("throughput", targets), ("pacing", targets[:2])):
            title = f"Write to Congress ({phase})"
            action = save_letter(
                campaign,
                [LetterContent("en", title, "", letters.SUBJECT, letters.BODY)],
                [],
                fallback=None,
                editable=False,
                congress=CongressOptions(topics=[TOPIC], bills=[BILL], stance="pro"),
                requires_confirmation=True,
                goal=None,
                slug=f"care-bill-congress-{phase}",
            )
            db.session.add_all(ActionTarget(action_id=action.id, target_id=t.id) for t in chosen)
            db.session.commit()
            actions[phase] = action.id
            routes[phase] = [(r.target, r.channel.value) for r in routes_to(action, "94612")]
            assert all(c.startswith("cwc_") for _t, c in routes[phase]), "not routed by CWC"
        organizing.publish(campaign)
        listed = office_lists.refresh_configured()
        template = template_for(action, "en")
        offices = ", ".join(f"{t.title} {t.name} {t.office_code}" for t, _ in routes["throughput"])
        seeded = SimpleNamespace(
            organization_id=organization.id,
            organization_name=organization.name,
            actions=actions,
            targets={p: [(t.id, t.name, t.title, "", c) for t, c in r] for p, r in routes.items()},
            template=(template.subject, template.body),
            describe=f"offices: {offices}",
            listed="office lists: " + ", ".join(f"{c} {n}" for c, n in listed.items()),
        )
        db.session.remove()
        db.engine.dispose()
    return seeded


# --- one phase: writing, delivering, checking ----------------------------------------------


class Phase:
    def __init__(self, name: str, rate: int, workers: int, seeded, count: int) -> None:
        self.name, self.rate, self.workers, self.letters = name, rate, workers, count
        self.seeded = seeded
        self.action_id = seeded.actions[name]
        self.targets = seeded.targets[name]  # (id, name, title, email "", channel)

    def write(self, app, engine, queued: str) -> None:
        """bench/letters.py's bulk inserts with no email (the last supporter writes to fewer
        offices when N is not a multiple of their number), then each letter's channel and
        each submission's address, as send_letter writes them for CWC."""
        from sqlalchemy import case, text, update

        from campaigns.models import Message

        written = Scenario(self.name, self.name, self.action_id, self.letters, None)
        targets = [t[:4] for t in self.targets]
        self.people = written.write(
            app, SimpleNamespace(**vars(self.seeded) | {"targets": targets})
        )
        self.message_ids = written.message_ids
        messages = Message.__table__
        with engine.begin() as conn:
            conn.execute(
                update(messages)
                .where(messages.c.action_id == self.action_id)
                .values(
                    channel=case({t[0]: t[4] for t in self.targets}, value=messages.c.target_id)
                )
            )
            conn.execute(
                text(
                    "INSERT INTO constituent_addresses (submission_id, prefix, address1, "
                    "address2, city, state, zip, phone, created_at) SELECT s.id, 'Ms.', "
                    "p.id || ' Broadway', '', p.city, 'CA', p.postcode, '', now() "
                    "FROM submissions s JOIN supporters p ON p.id = s.supporter_id "
                    "WHERE s.action_id = :a"
                ),
                {"a": self.action_id},
            )
        print(
            f"{self.name} (CWC_RATE_PER_SECOND={self.rate}, {self.workers} worker(s)): "
            f"{self.letters} letters from {self.people} supporters to {len(self.targets)} "
            f"offices each, {queued}",
            flush=True,
        )

    def deliver(self, app, workers: Workers, engine, cwc: CwcChild, jobs: list[list[int]]):
        """Queue `jobs` (lists of message ids) and work the queue empty; then gather what
        RQ, the server and the database say."""
        from collections import Counter

        from sqlalchemy import text

        from campaigns.congress.documents import delivery_id
        from campaigns.letters.delivery import queue_letters

        app.config["CWC_RATE_PER_SECOND"] = self.rate  # for a worker in this process
        barrier_ids = set(workers.barriers(letters))
        with app.app_context():
            for ids in jobs:
                queue_letters(ids)
        measured = [i for i in queued_job_ids(app) if i not in barrier_ids]
        self.wall = workers.run()
        self.window = JobWindow(app, measured)
        self.tally = dict(sum((Counter(r or {}) for r in self.window.results), Counter()))
        self.stats = stats = cwc.take()
        self.requests, n = stats["requests"], self.letters
        self.seconds = self.window.seconds
        self.per_worker = n / self.seconds / self.workers
        print(
            f"    delivered in {self.seconds:.2f} s, {self.requests} requests: "
            f"{n / self.seconds:.1f} letters/s, {self.per_worker:.1f} per worker",
            flush=True,
        )
        expected = {delivery_id(AGENT, i) for i in self.message_ids}
        where = "FROM messages WHERE action_id = :a"
        with engine.connect() as conn:

            def rows(sql: str) -> list:
                return conn.execute(text(sql), {"a": self.action_id}).all()

            statuses = dict(rows(f"SELECT status, count(*) {where} GROUP BY status"))
            provider_ids = {i for (i,) in rows(f"SELECT provider_message_id {where}")}
            [(addresses,)] = rows(
                "SELECT count(*) FROM constituent_addresses a JOIN submissions s "
                "ON s.id = a.submission_id WHERE s.action_id = :a"
            )
        listed = ", ".join(f"{s}: {k}" for s, k in sorted(statuses.items()))
        accepted = ", ".join(f"{c} {len(stats['times'][c])}" for c in CHAMBERS)
        # name: (passed, what was found)
        self.checks = {
            "database": (
                statuses == {"delivered": n} and provider_ids == expected,
                f"{listed}; exactly {n} delivered, each with its own DeliveryId",
            ),
            "cwc": (
                len(stats["accepted"]) == n
                and set(stats["accepted"]) == expected
                and stats["repeats"] == 0,
                f"{self.requests} requests, answers {stats['statuses']}; accepted {accepted}: "
                f"each letter's DeliveryId once; duplicates (repeat POSTs of an accepted "
                f"DeliveryId): {stats['repeats']}",
            ),
            "addresses": (addresses == 0, f"{addresses} of {self.people} left once delivered"),
            "rq": (
                self.window.ok and self.tally == {"delivered": n},
                f"{self.window.finished} of {self.window.count} jobs finished, tally {self.tally}",
            ),
        }
        self.ok = all(passed for passed, _ in self.checks.values())

    def per_second(self, chamber: str) -> list[int]:
        """Documents the chamber accepted in each whole second of the clock, first to last."""
        times = self.stats["times"][chamber]
        first = int(min(times, default=0))
        counts = [0] * (int(max(times, default=0)) - first + 1)
        for at in times:
            counts[int(at) - first] += 1
        return counts

    def achieved(self, chamber: str) -> float:
        inner = self.per_second(chamber)[1:-1]
        return sum(inner) / len(inner) if inner else float("nan")


# --- the report ----------------------------------------------------------------------------


def report(fast: Phase, paced: Phase, baseline) -> None:
    ratio = fast.per_worker / baseline.per_worker
    print(f"\n{'':12} {'letters':>8} {'requests':>8} {'seconds':>8} {'letters/s/worker':>16} ratio")
    print(
        f"{'throughput':12} {fast.letters:8d} {fast.requests:8d} {fast.seconds:8.2f} "
        f"{fast.per_worker:16.1f} {ratio:5.2f}"
    )
    print(
        f"{'no-op RQ job':12} {baseline.jobs:8d} {'':8} {baseline.seconds:8.2f} "
        f"{baseline.per_worker:16.1f}\n{'':12} {'(jobs)':>8} {'':17} {'(jobs/s/worker)':>16}"
    )
    print("ratio: letters/s per worker divided by no-op jobs/s per worker")
    print(
        "seconds: from the first measured job's start to the last one's end, as RQ recorded "
        f"them; with worker start-up and shutdown: throughput {fast.wall:.2f}, no-op "
        f"{baseline.wall:.2f}, pacing {paced.wall:.2f}"
    )
    cpu = 1000 * fast.stats["cpu"] / max(fast.requests, 1)
    print(f"cwc server: {cpu:.2f} ms of CPU per request (its own process, schema check included)")
    print(
        f"\npacing at {paced.rate}/s per chamber, {paced.workers} workers, documents accepted "
        "per whole second of the clock (the first and last left out of the rate):"
    )
    heading = f"{'chamber':8} {'letters':>7} {'seconds':>7} {'achieved/s':>10} {'deviation':>9}"
    print(f"{heading}  each second")
    for chamber in CHAMBERS:
        counts, achieved = paced.per_second(chamber), paced.achieved(chamber)
        print(
            f"{chamber:8} {sum(counts):7d} {max(len(counts) - 2, 0):7d} {achieved:10.2f} "
            f"{achieved / paced.rate - 1:+9.1%}  {' '.join(map(str, counts))}"
        )
    print()
    for phase in (fast, paced):
        for key, (passed, found) in phase.checks.items():
            print(f"{key} ({phase.name}): {found}: {'ok' if passed else 'MISMATCH'}")
    print(
        f"rq (no-op): {baseline.window.finished} of {baseline.window.count} jobs finished: "
        f"{'ok' if baseline.ok else 'MISMATCH'}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
