"""Signature counts kept in hourly buckets, so no page view counts the submissions table.

Signing never touches a counter. A job (`tracking.tasks.tally_counts`) folds new submissions and
confirmations into the buckets in batches, so a spike of signatures never queues on one hot
row, the lesson of the UK Parliament petitions site in 2019; counts trail signing by the
moment it takes the worker to pick the job up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, false, func, select, true, update

from campaigns.database import dialect_insert
from campaigns.extensions import db
from campaigns.models import Action, ActionHourlyCount, Submission, utcnow

# Submissions folded into the counts per transaction: big enough that a spike of thousands a
# second is a few statements, small enough that each transaction stays short.
TALLY_BATCH = 5000


@dataclass(frozen=True)
class Counts:
    signed: int = 0
    confirmed: int = 0
    signed_24h: int = 0
    confirmed_24h: int = 0

    def counted(self, requires_confirmation: bool) -> int:
        """What the public total shows: confirmed only, where the action requires it."""
        return self.confirmed if requires_confirmation else self.signed

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.signed + other.signed,
            self.confirmed + other.confirmed,
            self.signed_24h + other.signed_24h,
            self.confirmed_24h + other.confirmed_24h,
        )


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@cache
def _bucket_upsert(dialect: str):
    table = ActionHourlyCount.__table__
    stmt = dialect_insert(dialect, table).values(
        action_id=bindparam("action_id"),
        hour=bindparam("hour", type_=table.c.hour.type),
        signed=bindparam("signed"),
        confirmed=bindparam("confirmed"),
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.action_id, table.c.hour],
        set_={
            "signed": table.c.signed + stmt.excluded.signed,
            "confirmed": table.c.confirmed + stmt.excluded.confirmed,
        },
    )


def _add(deltas: dict[tuple[int, datetime], list[int]]) -> None:
    """Add (signed, confirmed) per (action, hour) to the buckets, in the caller's transaction."""
    if not deltas:
        return
    stmt = _bucket_upsert(db.session.get_bind().dialect.name)
    db.session.execute(
        stmt,
        [
            {"action_id": action_id, "hour": hour, "signed": signed, "confirmed": confirmed}
            for (action_id, hour), (signed, confirmed) in sorted(deltas.items())
        ],
    )


def tally(batch: int = TALLY_BATCH) -> int:
    """Fold up to `batch` submissions not yet in the counts into the hourly buckets.

    Returns how many submissions it folded in (signatures and confirmations); 0 means the
    counts have caught up. Each step is an UPDATE that flips `Submission.tallied` only where it
    still has the old value, with its bucket additions in the same transaction: a submission
    is counted exactly once even when two tally jobs run at the same time (PostgreSQL re-checks
    the condition after waiting for the other job's row lock), and a signature confirmed while
    a job runs is counted as confirmed by the next one.
    """
    sub = Submission.__table__
    deltas: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])

    # Fraudulent submissions are never counted. The same condition as the partial index's, so
    # the index that holds only the work left stays the one that is read.
    untallied = and_(sub.c.tallied == 0, sub.c.fraudulent == false())
    signed = db.session.execute(
        update(sub)
        .where(
            untallied,
            sub.c.id.in_(select(sub.c.id).where(untallied).order_by(sub.c.id).limit(batch)),
        )
        .values(tallied=case((sub.c.confirmed_at.is_(None), 1), else_=2))
        .returning(sub.c.action_id, sub.c.created_at, sub.c.confirmed_at)
    ).all()
    for action_id, created_at, confirmed_at in signed:
        deltas[action_id, hour_of(created_at)][0] += 1
        if confirmed_at is not None:
            deltas[action_id, hour_of(confirmed_at)][1] += 1

    confirmed = db.session.execute(
        update(sub)
        .where(
            sub.c.tallied == 1,
            sub.c.confirmed_at.is_not(None),
            sub.c.id.in_(
                select(sub.c.id)
                .where(sub.c.tallied == 1, sub.c.confirmed_at.is_not(None))
                .order_by(sub.c.id)
                .limit(batch)
            ),
        )
        .values(tallied=2)
        .returning(sub.c.action_id, sub.c.confirmed_at)
    ).all()
    for action_id, confirmed_at in confirmed:
        deltas[action_id, hour_of(confirmed_at)][1] += 1

    _add(deltas)
    db.session.commit()
    return len(signed) + len(confirmed)


def uncount(where) -> int:
    """Mark the submissions matching `where` fraudulent and take out of the buckets what the
    tally had already added for them, in the caller's transaction; returns how many. Held
    ones among them (never counted) stop being held: an organizer's word is final, and its
    confirmation link can no longer release it.

    One UPDATE per tally mark, each only where the mark still has that value, in the order
    the tally raises it (0, 1, 2): a row the tally moves on meanwhile is caught by a later
    statement here, and a row marked fraudulent here is one the tally no longer matches.
    So nothing is counted by one and missed by the other.
    """
    sub = Submission.__table__
    deltas: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    changed = db.session.execute(
        update(sub)
        .where(where, sub.c.held_reason.is_not(None))
        .values(held_reason=None, fraud_reason="invalidated")
    ).rowcount
    for mark in (0, 1, 2):
        rows = db.session.execute(
            update(sub)
            .where(where, sub.c.fraudulent == false(), sub.c.tallied == mark)
            .values(fraudulent=True, fraud_reason="invalidated", tallied=0)
            .returning(sub.c.action_id, sub.c.created_at, sub.c.confirmed_at)
        ).all()
        changed += len(rows)
        for action_id, created_at, confirmed_at in rows:
            if mark >= 1:
                deltas[action_id, hour_of(created_at)][0] -= 1
            if mark == 2:
                deltas[action_id, hour_of(confirmed_at)][1] -= 1
    _add(deltas)
    return changed


def recount(where) -> int:
    """Clear the fraudulent mark of the submissions matching `where` and add them to the
    buckets at once, in the caller's transaction; returns how many.

    A fraudulent row is never tallied (its mark is 0), so it is added here in full, and
    marked as counted in the same UPDATE: the tally will not add it again. A held one is
    released: it is held no longer, and a confirmation email the hourly cap kept back may be
    sent by the sweep.
    """
    sub = Submission.__table__
    deltas: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    rows = db.session.execute(
        update(sub)
        .where(where, sub.c.fraudulent == true(), sub.c.tallied == 0)
        .values(
            fraudulent=False,
            fraud_reason=None,
            held_reason=None,
            confirmation_error=case(
                (sub.c.held_reason.is_not(None), None), else_=sub.c.confirmation_error
            ),
            tallied=case((sub.c.confirmed_at.is_(None), 1), else_=2),
        )
        .returning(sub.c.action_id, sub.c.created_at, sub.c.confirmed_at)
    ).all()
    for action_id, created_at, confirmed_at in rows:
        deltas[action_id, hour_of(created_at)][0] += 1
        if confirmed_at is not None:
            deltas[action_id, hour_of(confirmed_at)][1] += 1
    _add(deltas)
    return len(rows)


def tally_all() -> int:
    """Tally until the counts have caught up; returns how many submissions were folded in."""
    total = 0
    while n := tally():
        total += n
    return total


def for_actions(action_ids: Iterable[int], now: datetime | None = None) -> dict[int, Counts]:
    """Counts per action id; actions with no submissions get zeros."""
    ids = list(action_ids)
    if not ids:
        return {}
    # "Last 24 hours" is the current hour and the 24 before it: hour-grained, never less
    # than a day, read from the buckets alone.
    cutoff = hour_of(now or utcnow()) - timedelta(hours=24)
    bucket = ActionHourlyCount
    recent = bucket.hour >= cutoff
    rows = db.session.execute(
        select(
            bucket.action_id,
            func.sum(bucket.signed),
            func.sum(bucket.confirmed),
            func.sum(case((recent, bucket.signed), else_=0)),
            func.sum(case((recent, bucket.confirmed), else_=0)),
        )
        .where(bucket.action_id.in_(ids))
        .group_by(bucket.action_id)
    )
    result = {action_id: Counts() for action_id in ids}
    for action_id, *sums in rows:
        result[action_id] = Counts(*(int(value or 0) for value in sums))
    return result


def for_action(action: Action) -> Counts:
    return for_actions([action.id])[action.id]


def public_total(action: Action) -> int:
    return for_action(action).counted(action.requires_confirmation)
