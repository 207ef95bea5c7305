"""Which offices take CWC messages now: each chamber's list, kept in Redis.

The lists are fetched daily (congress.tasks.refresh_offices) and when an organizer asks. A
letter to an office that is not on its chamber's list is never sent: the office is shown
with its phone and web form instead (letters.channels). Before the first fetch nothing is
known, and every office counts as listed (the chamber itself refuses an unlisted one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from campaigns.congress import client
from campaigns.congress.offices import HOUSE, SENATE, chamber_of
from campaigns.extensions import queues

CHAMBERS = (HOUSE, SENATE)


def _key(chamber: str) -> str:
    return f"campaigns:cwc-offices:{chamber}"


def refresh(chamber: str) -> int:
    """Fetch the chamber's list and replace the stored one; returns how many offices.
    Raises the client's errors (NotConfigured, KeyRefused, Unavailable)."""
    offices = client.active_offices(chamber)
    redis = queues.connection
    staging = f"{_key(chamber)}:new"
    pipe = redis.pipeline()
    pipe.delete(staging)
    if offices:
        pipe.sadd(staging, *sorted(offices))
        pipe.rename(staging, _key(chamber))
    else:
        pipe.delete(_key(chamber))
    pipe.set(f"{_key(chamber)}:at", datetime.now(UTC).isoformat())
    pipe.execute()
    return len(offices)


def refresh_configured() -> dict[str, int | str]:
    """Refresh the list of every chamber that has a key; a failure is reported, not raised,
    so one chamber's outage does not keep the other's list stale."""
    outcome: dict[str, int | str] = {}
    for chamber in CHAMBERS:
        if not client.configured(chamber):
            continue
        try:
            outcome[chamber] = refresh(chamber)
        except client.CwcError as exc:
            outcome[chamber] = str(exc)
    return outcome


def is_listed(office: str) -> bool:
    """Whether the office is on its chamber's list (True while no list was fetched)."""
    redis = queues.connection
    key = _key(chamber_of(office))
    pipe = redis.pipeline()
    pipe.sismember(key, office)
    pipe.exists(f"{key}:at")
    member, fetched = pipe.execute()
    return bool(member) or not fetched


def fetched_at(chamber: str) -> datetime | None:
    value = queues.connection.get(f"{_key(chamber)}:at")
    if not value:
        return None
    return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)


def listed(chamber: str) -> set[str]:
    return {
        m.decode() if isinstance(m, bytes) else m for m in queues.connection.smembers(_key(chamber))
    }
