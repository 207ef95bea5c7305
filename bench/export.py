"""Benchmark: exporting a whole supporter list, against PostgreSQL's own COPY of the same query.

    python bench/export.py [--supporters N]

Starts a throw-away PostgreSQL and Redis, migrates, creates an organization with a petition,
and generates N supporters (1,000,000 by default), each with a signature, with
INSERT … SELECT generate_series. Ours: the export job (`campaigns.supporters.tasks.build_export`)
builds the CSV of everyone with every column, in a fresh Python process so its peak
memory (ru_maxrss) is the export's own. The baseline, in the same run and on the same
server: psycopg running `COPY (the same SELECT) TO STDOUT WITH (FORMAT csv)` into a file.
The last line printed is `ratio: R`, our rows/s divided by COPY's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import sign  # noqa: E402  (its description of the machine)

from tests.support import servers  # noqa: E402

SECRET_KEY = "bench-secret-key"
GOAL_RATIO = 0.5
GOAL_PEAK_MB = 200


def config(database_url: str, redis_url: str, folder: Path) -> dict:
    return {
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "outbox",
        "EXPORT_FOLDER": str(folder),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    return sign.run_cleanly(lambda stack: run(args, stack))


def run(args: argparse.Namespace, stack: ExitStack) -> int:
    load_before = Path("/proc/loadavg").read_text().split()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-export-")))
    postgres = servers.start_postgres("campaigns_bench")
    stack.callback(postgres.stop)
    redis_server = servers.start_redis()
    stack.callback(redis_server.stop)

    started = time.monotonic()
    organization_id, export_id, columns = seed(
        postgres.url, redis_server.url, folder, args.supporters
    )
    print(
        f"{args.supporters:,} supporters with a signature each generated in "
        f"{time.monotonic() - started:.1f} s; columns: {', '.join(columns)}",
        flush=True,
    )

    # Ours, in a fresh process: its peak resident memory is the export's, not the seeding's.
    completed = subprocess.run(
        [sys.executable, __file__, "--child", postgres.url, redis_server.url, str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "CAMPAIGNS_BENCH_EXPORT_ID": str(export_id)},
    )
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, file=sys.stderr)
        return 1
    ours = json.loads(completed.stdout.strip().splitlines()[-1])

    base = copy_baseline(postgres.url, redis_server.url, folder, organization_id, columns)

    ours_file = folder / ours["filename"]
    same = files_match(ours_file, base["path"])
    ours_rate = ours["rows"] / ours["seconds"]
    base_rate = base["rows"] / base["seconds"]
    ratio = ours_rate / base_rate
    peak_mb = ours["maxrss_kb"] / 1024
    print()
    print(f"{'':10} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'file MB':>8}")
    print(
        f"{'campaigns':10} {ours['rows']:>10,} {ours['seconds']:>8.2f} {ours_rate:>10,.0f} "
        f"{ours_file.stat().st_size / 1e6:>8.1f}"
    )
    print(
        f"{'COPY':10} {base['rows']:>10,} {base['seconds']:>8.2f} {base_rate:>10,.0f} "
        f"{base['path'].stat().st_size / 1e6:>8.1f}"
    )
    print()
    print(
        f"export process: peak resident memory {peak_mb:.0f} MB (ru_maxrss, the whole "
        f"process: interpreter, Flask, SQLAlchemy and the export); "
        f"{ours['idle_kb'] / 1024:.0f} MB before the export started"
    )
    print(f"progress: rows_done {ours['rows']:,} of rows_total {ours['rows_total']:,}")
    print(f"files: ours = BOM + header + COPY's bytes: {'ok' if same else 'DIFFERENT'}")
    print(f"machine: {sign.machine()}; load average {load_before} before the run")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    met = ratio >= GOAL_RATIO and peak_mb < GOAL_PEAK_MB
    print(
        f"goal: ratio >= {GOAL_RATIO} and peak memory < {GOAL_PEAK_MB} MB: "
        f"{'met' if met else 'not met'}"
    )
    print(f"ratio: {ratio:.3f}")
    ok = same and ours["rows"] == base["rows"] == args.supporters
    return 0 if ok else 1


def seed(database_url: str, redis_url: str, folder: Path, count: int):
    """Migrate, create an organization, a petition and `count` signers; queue-less Export."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from campaigns import create_app
    from campaigns.accounts import staff as accounts
    from campaigns.actions import authoring as organizing
    from campaigns.extensions import db
    from campaigns.models import Export
    from campaigns.supporters import exports

    app = create_app(config(database_url, redis_url, folder))
    with app.app_context():
        upgrade()
        owner = accounts.create_owner(
            "organizer@example.org", "correct horse battery", "Bench Workers United"
        )
        organization = accounts.memberships(owner)[0].organization
        campaign = organizing.create_campaign(organization, title="Heat safety", goal=None)
        petition = organizing.save_petition(
            campaign,
            [organizing.PetitionContent(locale="en", title="Heat safety", body="Water and shade.")],
            goal=None,
            requires_confirmation=False,
            slug="heat-safety",
        )
        # Accented names, and every 1,000th a formula, so neutralizing has work to do.
        db.session.execute(
            text(
                """
                INSERT INTO supporters (uuid, organization_id, email, email_key, first_name,
                    last_name, postcode, city, locale, subscribed, created_at, updated_at)
                SELECT gen_random_uuid()::text, :org, 'p' || g || '@example.org',
                    'p' || g || '@example.org',
                    CASE WHEN g % 1000 = 0 THEN '=HYPERLINK("x")' ELSE 'José ' || g END,
                    'Núñez-García', lpad((g % 99999)::text, 5, '0'), 'Oakland',
                    CASE WHEN g % 3 = 0 THEN 'es' ELSE 'en' END, g % 2 = 0,
                    now() - make_interval(secs => g), now()
                FROM generate_series(1, :count) AS g
                """
            ),
            {"org": organization.id, "count": count},
        )
        db.session.execute(
            text(
                """
                INSERT INTO submissions (uuid, action_id, supporter_id, comment, source, show_name,
                    locale, created_at, tallied)
                SELECT gen_random_uuid()::text, :action, id, '', 'bench', false, locale,
                    created_at, 0
                FROM supporters WHERE organization_id = :org
                """
            ),
            {"action": petition.id, "org": organization.id},
        )
        columns = list(exports.COLUMNS)
        export = Export(organization_id=organization.id, requested_by_id=owner.id, columns=columns)
        db.session.add(export)
        db.session.commit()
        ids = organization.id, export.id
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return *ids, columns


def child(database_url: str, redis_url: str, folder: str) -> int:
    """Run the export job once in this process; print what it did as JSON."""
    from campaigns import create_app
    from campaigns.extensions import db
    from campaigns.models import Export
    from campaigns.supporters.tasks import build_export

    export_id = int(os.environ["CAMPAIGNS_BENCH_EXPORT_ID"])
    app = create_app(config(database_url, redis_url, Path(folder)))
    with app.app_context():
        idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        rows = build_export(export_id)
        seconds = time.perf_counter() - started
        export = db.session.get(Export, export_id)
        print(
            json.dumps(
                {
                    "rows": rows,
                    "rows_total": export.rows_total,
                    "seconds": seconds,
                    "filename": export.filename,
                    "idle_kb": idle,
                    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                }
            )
        )
    return 0


def copy_baseline(database_url, redis_url, folder: Path, organization_id: int, columns):
    """PostgreSQL writes the CSV of the same SELECT, streamed through psycopg to a file."""
    import psycopg

    from campaigns import create_app
    from campaigns.extensions import db
    from campaigns.supporters.exports import export_query
    from campaigns.supporters.filters import SupporterFilter

    app = create_app(config(database_url, redis_url, folder))
    with app.app_context():
        query = export_query(organization_id, SupporterFilter(), columns, "postgresql")
        compiled = query.compile(
            dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        db.engine.dispose()
    path = folder / "baseline.csv"
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor, path.open("wb") as out:
        started = time.perf_counter()
        with cursor.copy(
            f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)", compiled.params
        ) as copy:
            for chunk in copy:
                out.write(chunk)
        seconds = time.perf_counter() - started
        rows = cursor.rowcount
    return {"rows": rows, "seconds": seconds, "path": path}


def files_match(ours: Path, baseline: Path) -> bool:
    """Ours is the byte-order mark and a header line, then exactly COPY's bytes."""
    with ours.open("rb") as a, baseline.open("rb") as b:
        a.readline()  # BOM and header
        while True:
            left, right = a.read(1 << 20), b.read(1 << 20)
            if left != right:
                return False
            if not left:
                return True


if __name__ == "__main__":
    sys.exit(main())
