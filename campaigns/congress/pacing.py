"""When a chamber may be sent to: its rate limit, its maintenance windows, and pauses.

- **Rate.** At most CWC_RATE_PER_SECOND documents a second per chamber, between all workers:
  each send takes a slot from a counter in Redis for the current second of Redis's own
  clock (one Lua call, so workers on machines whose clocks differ still share one window).
  A worker that finds the second full waits for the next.
- **Maintenance.** The Senate's CWC is down Sundays 00:00–06:00 and Wednesdays 05:00–07:00
  US Eastern; a letter due then waits for the window's end instead of failing.
- **Pauses.** When a chamber refuses our key (401/403) every letter to it would fail the
  same way: the chamber is paused, letters wait, and the organizer is told why.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from campaigns.congress.offices import HOUSE, SENATE
from campaigns.extensions import queues

EASTERN = ZoneInfo("America/New_York")
# (weekday with Monday 0, first hour, hour it ends) in US Eastern time.
MAINTENANCE = {
    HOUSE: (),
    SENATE: ((6, 0, 6), (2, 5, 7)),
}
# How long a refused key pauses its chamber before letters try it again.
PAUSE_SECONDS = 15 * 60

# KEYS[1] the chamber's counter prefix, ARGV[1] the limit. Returns {taken (1/0), µs left
# in this second}.
_TAKE_SLOT = """
local now = redis.call('TIME')
local key = KEYS[1] .. ':' .. now[1]
local used = redis.call('INCR', key)
if used == 1 then redis.call('EXPIRE', key, 2) end
local left = 1000000 - tonumber(now[2])
if used > tonumber(ARGV[1]) then return {0, left} end
return {1, left}
"""


def take_slot(chamber: str) -> float:
    """Block until this chamber's rate allows one more document; returns seconds waited."""
    limit = current_app.config["CWC_RATE_PER_SECOND"]
    script = queues.connection.register_script(_TAKE_SLOT)
    waited = 0.0
    while True:
        taken, left_us = script(keys=[f"campaigns:cwc-rate:{chamber}"], args=[limit])
        if taken:
            return waited
        pause = left_us / 1_000_000 + 0.001
        time.sleep(pause)
        waited += pause


def maintenance_ends(chamber: str, now: datetime) -> datetime | None:
    """When the maintenance window `now` (UTC) falls in ends, or None outside one."""
    local = now.astimezone(EASTERN)
    for weekday, first, last in MAINTENANCE[chamber]:
        if local.weekday() == weekday and first <= local.hour < last:
            end = local.replace(hour=last, minute=0, second=0, microsecond=0)
            return end.astimezone(now.tzinfo)
    return None


def _pause_key(chamber: str) -> str:
    return f"campaigns:cwc-paused:{chamber}"


def pause(chamber: str, reason: str, seconds: int = PAUSE_SECONDS) -> None:
    queues.connection.set(_pause_key(chamber), reason, ex=seconds)


def paused(chamber: str) -> str | None:
    """Why the chamber is paused, or None."""
    reason = queues.connection.get(_pause_key(chamber))
    return reason.decode() if isinstance(reason, bytes) else reason


def resume(chamber: str) -> None:
    queues.connection.delete(_pause_key(chamber))


def pause_left(chamber: str) -> timedelta:
    ttl = queues.connection.ttl(_pause_key(chamber))
    return timedelta(seconds=max(ttl, 1))
