"""Signature counts kept in hourly buckets, so no page view counts the submissions table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, case, func, select

from campaigns.database import dialect_insert
from campaigns.extensions import db
from campaigns.models import Action, ActionHourlyCount, utcnow


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


def record(action_id: int, *, signed: int = 0, confirmed: int = 0, at: datetime | None = None):
    """Add to the bucket of the hour `at` falls in, in the caller's transaction."""
    stmt = _bucket_upsert(db.session.get_bind().dialect.name)
    params = {
        "action_id": action_id,
        "hour": hour_of(at or utcnow()),
        "signed": signed,
        "confirmed": confirmed,
    }
    db.session.execute(stmt, params)


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
