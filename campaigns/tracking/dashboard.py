"""What the organizer dashboard shows of an action or a campaign, read from the hourly buckets.

Nothing here counts submissions: totals, today, this hour and both charts are sums over
`ActionHourlyCount` rows (one per action and clock hour), so the page costs the same at ten
signatures or a million. Days follow the organization's time zone, so a union in Los Angeles
sees its day start at its own midnight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import ActionHourlyCount, utcnow
from campaigns.tracking.counts import hour_of

HOURLY_WINDOW = 72


@dataclass(frozen=True)
class Point:
    """One bar of a chart: when it starts, its label, and its signatures and confirmations."""

    start: datetime | date
    label: str
    signed: int
    confirmed: int


@dataclass
class Dashboard:
    signed: int = 0
    confirmed: int = 0
    today: int = 0
    this_hour: int = 0
    goal: int | None = None
    # The figure the public sees: confirmed only where every action requires confirmation.
    counted: int = 0
    timezone: str = "UTC"
    hourly: list[Point] = field(default_factory=list)
    daily: list[Point] = field(default_factory=list)

    @property
    def percent(self) -> int:
        if not self.goal:
            return 0
        return min(100, round(100 * self.counted / self.goal))

    def live(self) -> dict:
        """The figures the page refreshes without a reload (see static/js/dashboard.js)."""
        return {
            "signed": self.signed,
            "confirmed": self.confirmed,
            "today": self.today,
            "this_hour": self.this_hour,
            "counted": self.counted,
            "goal": self.goal,
            "percent": self.percent,
        }


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hourly_totals(action_ids: Iterable[int]) -> list[tuple[datetime, int, int]]:
    """(hour, signed, confirmed) per clock hour with anything in it, summed over the actions."""
    ids = list(action_ids)
    if not ids:
        return []
    bucket = ActionHourlyCount
    rows = db.session.execute(
        select(bucket.hour, func.sum(bucket.signed), func.sum(bucket.confirmed))
        .where(bucket.action_id.in_(ids))
        .group_by(bucket.hour)
        .order_by(bucket.hour)
    )
    return [(hour, int(signed or 0), int(confirmed or 0)) for hour, signed, confirmed in rows]


def dashboard(
    action_ids: Iterable[int],
    *,
    timezone: str = "UTC",
    goal: int | None = None,
    confirmed_only: bool = False,
    since: datetime | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Totals, today, this hour and both series for the actions, in one query.

    `since` starts the daily series (the campaign's creation); it starts earlier if a bucket
    does (imported or back-dated signatures).
    """
    now = now or utcnow()
    tz = zone(timezone)
    rows = hourly_totals(action_ids)
    current_hour = hour_of(now)
    today = now.astimezone(tz).date()

    result = Dashboard(goal=goal, timezone=tz.key)
    by_hour: dict[datetime, tuple[int, int]] = {}
    by_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for hour, signed, confirmed in rows:
        result.signed += signed
        result.confirmed += confirmed
        by_hour[hour] = (signed, confirmed)
        # A bucket belongs to the local day its hour starts in. Zones off by half an hour
        # (India, Newfoundland) put the half hour around midnight in the day before.
        day = hour.astimezone(tz).date()
        by_day[day][0] += signed
        by_day[day][1] += confirmed
    result.counted = result.confirmed if confirmed_only else result.signed
    result.today = by_day[today][0] if today in by_day else 0
    result.this_hour = by_hour.get(current_hour, (0, 0))[0]

    first_hour = current_hour - timedelta(hours=HOURLY_WINDOW - 1)
    for i in range(HOURLY_WINDOW):
        hour = first_hour + timedelta(hours=i)
        signed, confirmed = by_hour.get(hour, (0, 0))
        local = hour.astimezone(tz)
        result.hourly.append(Point(hour, f"{local:%a %H:00}", signed, confirmed))

    start = today
    if since is not None:
        start = min(start, since.astimezone(tz).date())
    if by_day:
        start = min(start, min(by_day))
    day = start
    while day <= today:
        signed, confirmed = by_day.get(day, (0, 0))
        result.daily.append(Point(day, f"{day:%b %d}", signed, confirmed))
        day += timedelta(days=1)
    return result
