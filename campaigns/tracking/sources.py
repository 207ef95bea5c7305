"""Where an action's signatures come from: source codes, referring sites, postcodes, districts,
and for an action that asks where people work, worksites and departments.

These are GROUP BY queries over the action's submissions, not buckets. The tally job that
keeps the hourly counts is deliberately left alone (fraud marking is changing it), and these
tables are read only by organizers, a few times a minute at most, never by the public. Each
query reads the action's rows through the (action_id, created_at) index: about 0.1 s per
million signatures on PostgreSQL (bench/read.py measures it). Should that grow too slow, a
small table per (action, source) kept by its own job is the way to go, as the hourly counts
are for the public total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select

from campaigns.directories.lookup import normalize_postcode
from campaigns.extensions import db
from campaigns.models import (
    Action,
    Directory,
    LetterSettings,
    PostcodeDistrict,
    Submission,
    Supporter,
)

# Rows shown per table; the rest are summed into one "all others" row.
TOP = 25
NONE = "(none)"


@dataclass(frozen=True)
class Row:
    name: str
    count: int


@dataclass
class Breakdown:
    """One table (and bar chart) of the dashboard."""

    title: str
    rows: list[Row]
    total: int
    # A district table's directory and every district's count (the rows stop at TOP): what
    # its map is shaded by (tracking.district_maps).
    directory_id: int | None = None
    counts: Counter[str] | None = None

    @property
    def top(self) -> int:
        return max((r.count for r in self.rows), default=0)


def referrer_host(url: str | None) -> str:
    """Only the host of a referring address, lower case, without "www.": never its path.

    A path or query can carry a person's name, a private group's id or a token.
    """
    if not url:
        return ""
    # Without "//" only a bare host will do: "javascript:alert(1)" names no site.
    if "//" not in url and any(c in url for c in ":/?#@"):
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or len(host) > 253 or not all(c.isalnum() or c in "-." for c in host):
        return ""
    return host


def _ranked(title: str, counts: Iterable[tuple[str, int]]) -> Breakdown:
    """Largest first; the page's script re-sorts by name or count on request."""
    items = [(name or NONE, int(n)) for name, n in counts]
    total = sum(n for _, n in items)
    items.sort(key=lambda item: (-item[1], item[0]))
    rows = [Row(name, n) for name, n in items[:TOP]]
    rest = sum(n for _, n in items[TOP:])
    if rest:
        rows.append(Row(f"all others ({len(items) - TOP})", rest))
    return Breakdown(title, rows, total)


def _grouped(column, action_ids: list[int], join_supporter: bool = False):
    query = (
        select(column, func.count())
        .select_from(Submission)
        .where(Submission.action_id.in_(action_ids))
    )
    if join_supporter:
        query = query.join(Supporter, Supporter.id == Submission.supporter_id)
    return db.session.execute(query.group_by(column)).all()


def by_source(action_ids: list[int]) -> Breakdown:
    return _ranked("Source codes", _grouped(Submission.source, action_ids))


def by_referrer(action_ids: list[int]) -> Breakdown:
    return _ranked("Referring sites", _grouped(Submission.referrer, action_ids))


def postcode_counts(action_ids: list[int]) -> Counter[str]:
    """Signatures per normalized postcode (what supporters typed, grouped as the directory
    would read it)."""
    result: Counter[str] = Counter()
    for postcode, n in _grouped(Supporter.postcode, action_ids, join_supporter=True):
        result[normalize_postcode(postcode) or ""] += n
    return result


def directory_ids(action_ids: list[int]) -> list[int]:
    return sorted(
        {
            d
            for d in db.session.scalars(
                select(LetterSettings.directory_id).where(LetterSettings.action_id.in_(action_ids))
            )
            if d is not None
        }
    )


def district_counts(per_postcode: Counter[str], directory_id: int) -> Counter[str]:
    """Signatures per district of the directory. A postcode in several districts counts in
    each of them (the supporter may live in any), so the rows can add up to more than the
    signatures; a postcode the directory does not know counts as "(none)"."""
    known = [p for p in per_postcode if p]
    districts: dict[str, set[str]] = {}
    for i in range(0, len(known), 500):
        for postcode, district in db.session.execute(
            select(PostcodeDistrict.postcode, PostcodeDistrict.district).where(
                PostcodeDistrict.directory_id == directory_id,
                PostcodeDistrict.postcode.in_(known[i : i + 500]),
            )
        ):
            districts.setdefault(postcode, set()).add(district)
    result: Counter[str] = Counter()
    for postcode, n in per_postcode.items():
        for district in districts.get(postcode) or {""}:
            result[district] += n
    return result


def by_district(per_postcode: Counter[str], directory_id: int, name: str) -> Breakdown:
    counts = district_counts(per_postcode, directory_id)
    breakdown = _ranked(f"Districts ({name})", counts.items())
    # The total is the signatures, not the sum of rows (a postcode may be in two districts).
    breakdown.total = sum(per_postcode.values())
    breakdown.directory_id = directory_id
    breakdown.counts = counts
    return breakdown


def _workplace_counts(column, action_ids: list[int]) -> list[tuple[str, int]]:
    """Signatures per worksite or department as typed, grouped ignoring case and the spaces
    around ("OAK4 " and "oak4" are one row), named by one of the spellings."""
    key = func.lower(func.trim(column))
    query = (
        select(func.min(func.trim(column)), func.count())
        .where(Submission.action_id.in_(action_ids))
        .group_by(key)
    )
    return db.session.execute(query).all()


def by_worksite(action_ids: list[int]) -> Breakdown:
    return _ranked("Worksites", _workplace_counts(Submission.worksite, action_ids))


def by_department(action_ids: list[int]) -> Breakdown:
    return _ranked("Departments", _workplace_counts(Submission.department, action_ids))


def asks_workplace(action_ids: list[int]) -> bool:
    return bool(
        action_ids
        and db.session.scalar(
            select(func.count()).where(Action.id.in_(action_ids), Action.asks_workplace)
        )
    )


def breakdowns(action_ids: list[int]) -> list[Breakdown]:
    """Every table the dashboard shows for the actions."""

    per_postcode = postcode_counts(action_ids)
    result = [
        by_source(action_ids),
        by_referrer(action_ids),
        _ranked("ZIP or postcode", per_postcode.items()),
    ]
    for directory_id in directory_ids(action_ids):
        directory = db.session.get(Directory, directory_id)
        result.append(by_district(per_postcode, directory_id, directory.name))
    # Only where an action asks: elsewhere both tables would be one "(none)" row.
    if asks_workplace(action_ids):
        result += [by_worksite(action_ids), by_department(action_ids)]
    return result
