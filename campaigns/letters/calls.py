""" "I called": supporters who phoned a target no letter can reach, counted per target."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy import func, select

from campaigns.extensions import db, queues
from campaigns.letters.compose import addressed
from campaigns.models import Action, Call, Target, utcnow

# One address reports calls to one target at most this often an hour (a stuck button, a
# script): the count stays about people.
CALLS_PER_IP_PER_HOUR = 3


def _belongs(action: Action, target_id: int) -> bool:
    found = db.session.scalar(
        select(Target.id).where(Target.id == target_id, addressed(action, with_fallback=True))
    )
    return found is not None


def record(action: Action, target_id: int, ip: str) -> bool:
    """Count one call; False when the target is not one of the action's."""
    if not _belongs(action, target_id):
        return False
    hour = utcnow().strftime("%Y%m%d%H")
    try:
        key = f"campaigns:calls:{action.id}:{target_id}:{ip}:{hour}"
        if queues.connection.incr(key) > CALLS_PER_IP_PER_HOUR:
            return True  # thanked, not counted again
        queues.connection.expire(key, 3600)
    except RedisError:
        pass  # a count a little high beats a supporter shown an error
    db.session.add(Call(action_id=action.id, target_id=target_id))
    db.session.commit()
    return True


def counts(action_id: int) -> dict[int, int]:
    """Calls reported per target id."""
    rows = db.session.execute(
        select(Call.target_id, func.count())
        .where(Call.action_id == action_id)
        .group_by(Call.target_id)
    )
    return dict(rows.all())
