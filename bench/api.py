"""Benchmark: paging through a million people over the OSDI API, against streaming them out.

    python bench/api.py [--people N] [--per-page P]

Starts a throw-away PostgreSQL and Redis, migrates, makes an organization with a read key and
N people (one INSERT … SELECT generate_series), then reads all of them twice in the same run:

- ours: GET /api/v1/people?per_page=P with the key, following `_links.next` to the end, in
  process through Flask's test client (rate limit off), parsing every page as a client does;
- baseline: the export path for the same fields in JSON, one SQLAlchemy query on a
  server-side cursor writing each person as a JSON line: what a nightly dump of the people
  costs with nothing in between (the CSV export job hands its rows to PostgreSQL's COPY and
  writes no JSON, so it is not the like-for-like figure; bench/export.py measures it).

Prints people/s for both and, last, `ratio: R` (ours over the baseline).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from tests.support import servers  # noqa: E402

SECRET_KEY = "bench-secret-key"
GOAL_RATIO = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args(argv)
    postgres = servers.start_postgres("campaigns_bench_api")
    redis_server = servers.start_redis()
    try:
        return run(args, postgres.url, redis_server.url)
    finally:
        redis_server.stop()
        postgres.stop()


def run(args, database_url: str, redis_url: str) -> int:
    from flask_migrate import upgrade

    from campaigns import create_app
    from campaigns.accounts import api_keys
    from campaigns.accounts import staff as accounts
    from campaigns.extensions import db
    from campaigns.models import ApiScope, Organization

    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "MAIL_BACKEND": "outbox",
            # On, as in production (the key's admission runs the limit's script), but high
            # enough that one client paging as fast as it can is never held back.
            "API_RATE_LIMIT": 10_000,
            "API_RATE_BURST": 10_000,
            "PUBLIC_URL": "http://campaigns.bench",
        }
    )
    with app.app_context():
        upgrade()
        owner = accounts.create_owner("owner@example.org", "correct horse battery", "Bench Local")
        organization: Organization = accounts.memberships(owner)[0].organization
        org_id = organization.id
        _, token = api_keys.create(organization, "bench", ApiScope.read, owner)
        db.session.remove()

    engine = create_engine(database_url, poolclass=NullPool)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO supporters (uuid, organization_id, email, email_key, first_name,
                    last_name, postcode, city, locale, subscribed, created_at, updated_at)
                SELECT gen_random_uuid()::text, :org, 'p' || n || '@example.org',
                    'p' || n || '@example.org', 'Person', 'N' || n, lpad((n % 99999)::text, 5,
                    '0'), 'Oakland', CASE WHEN n % 3 = 0 THEN 'es' ELSE 'en' END, n % 2 = 0,
                    now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
                FROM generate_series(1, :n) AS n
                """
            ),
            {"org": org_id, "n": args.people},
        )
        conn.execute(text("ANALYZE supporters"))
    print(f"{args.people:,} people inserted in {time.perf_counter() - started:.1f} s", flush=True)
    # What `campaigns.served_app` does for a web server process, for both sides alike.
    gc.freeze()

    base_seconds, base_rows = baseline(engine, org_id)
    print(
        f"baseline (streaming query to JSON lines): {base_rows:,} people in "
        f"{base_seconds:.1f} s, {base_rows / base_seconds:,.0f} people/s",
        flush=True,
    )

    ours_seconds, ours_rows, pages = through_api(app, token, args.per_page)
    print(
        f"campaigns (GET /api/v1/people, per_page={args.per_page}, {pages:,} pages by next "
        f"links): {ours_rows:,} people in {ours_seconds:.1f} s, "
        f"{ours_rows / ours_seconds:,.0f} people/s",
        flush=True,
    )
    engine.dispose()
    ratio = (ours_rows / ours_seconds) / (base_rows / base_seconds)
    ok = ours_rows == base_rows == args.people
    print(f"complete: {'yes' if ok else 'NO'}; goal ratio >= {GOAL_RATIO}")
    print(f"ratio: {ratio:.2f}")
    return 0 if ok else 1


def baseline(engine, org_id: int) -> tuple[float, int]:
    """The same fields the API gives, as JSON lines from one server-side cursor."""
    out = io.StringIO()
    rows = 0
    started = time.perf_counter()
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(
            text(
                "SELECT uuid, created_at, updated_at, first_name, last_name, email, subscribed,"
                " postcode, city, locale FROM supporters WHERE organization_id = :org"
                " ORDER BY id"
            ),
            {"org": org_id},
        )
        for row in result:
            out.write(
                json.dumps(
                    {
                        "identifiers": [f"campaigns:{row.uuid}"],
                        "created_date": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "modified_date": row.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "given_name": row.first_name,
                        "family_name": row.last_name,
                        "email_addresses": [
                            {
                                "address": row.email,
                                "primary": True,
                                "status": "subscribed" if row.subscribed else "unsubscribed",
                            }
                        ],
                        "postal_addresses": [
                            {"postal_code": row.postcode, "locality": row.city, "primary": True}
                        ],
                        "languages_spoken": [row.locale],
                    },
                    separators=(",", ":"),
                )
            )
            out.write("\n")
            rows += 1
            if out.tell() > 1 << 22:
                out = io.StringIO()  # what a file write would take away
    return time.perf_counter() - started, rows


def through_api(app, token: str, per_page: int) -> tuple[float, int, int]:
    client = app.test_client()
    headers = {"OSDI-API-Token": token}
    url = f"/api/v1/people?per_page={per_page}"
    rows = pages = 0
    page_ms: list[float] = []
    started = time.perf_counter()
    while url:
        page_started = time.perf_counter()
        response = client.get(url, headers=headers)
        page_ms.append((time.perf_counter() - page_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
        body = json.loads(response.data)
        rows += len(body["_embedded"]["osdi:people"])
        pages += 1
        url = body["_links"].get("next", {}).get("href")
    seconds = time.perf_counter() - started
    # Keyset paging: the last pages cost what the first do (OFFSET would grow with depth).
    ends = max(1, min(100, len(page_ms) // 2))
    first = sorted(page_ms[:ends])[ends // 2]
    last = sorted(page_ms[-ends:])[ends // 2]
    print(f"median page time: first {ends} pages {first:.1f} ms, last {ends} pages {last:.1f} ms")
    return seconds, rows, pages


if __name__ == "__main__":
    raise SystemExit(main())
