"""Shift times where the event happens: entered, stored and shown.

Shifts are stored as UTC instants. Organizers type and read them in the event's zone (its
own, else its organization's), and everyone sees them there, in their language:
"Thursday, December 17, 2026, 11:00 AM – 3:00 PM (Chicago time)". An instant is converted
with the zone's rules for that day, so a shift across a daylight-saving change keeps its
real length, and a wall time that does not exist (skipped by the change) is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_location

from campaigns.models import Action, Shift

ENTRY_FORMAT = "%Y-%m-%d %H:%M"


def zone_of(action: Action) -> ZoneInfo:
    for name in (action.timezone, action.campaign.organization.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def parse_local(value: str, zone: ZoneInfo) -> datetime:
    """`2026-12-17 11:00` in `zone` as a UTC instant; ValueError for a malformed time or
    one the zone skips (a spring-forward gap)."""
    wall = datetime.strptime(value.strip(), ENTRY_FORMAT)
    moment = wall.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValueError(f"{value} does not exist in {zone.key} (the clocks skip it)")
    return moment.astimezone(UTC)


def entry_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(ENTRY_FORMAT)


def when(shift: Shift, zone: ZoneInfo, locale: str) -> tuple[str, str]:
    """The shift's day and hours in `zone`, in `locale`, and the city that names the zone
    (the caller words it: "Chicago time", "hora de Chicago")."""
    start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
    day = format_date(start, "full", locale=locale)
    text = f"{day}, {format_time(start, 'short', locale=locale)}–"
    if end.date() != start.date():
        text += f"{format_date(end, 'full', locale=locale)}, "
    text += format_time(end, "short", locale=locale)
    return text, get_timezone_location(zone, locale=locale, return_city=True)
