"""Jobs for milestones: checking after a tally, and telling the organizers."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from campaigns import mail
from campaigns.extensions import db, queues
from campaigns.jobs import enqueue
from campaigns.models import Milestone, User
from campaigns.tracking import milestones

log = logging.getLogger(__name__)

# "A milestone check is waiting": tallies run every few seconds under load, and one check
# covers all of them.
PENDING_KEY = "campaigns:milestones-pending"
PENDING_SECONDS = 60


def after_tally(folded: int) -> int:
    """Queue a check when the tally changed a count; returns `folded` unchanged."""
    if folded:
        try:
            if queues.connection.set(PENDING_KEY, "1", nx=True, ex=PENDING_SECONDS):
                enqueue(check_milestones, queue="counts")
        except RedisError:
            log.exception("could not queue a milestone check; the next tally will")
    return folded


def check_milestones() -> list[int]:
    """Mark the milestones crossed and email the organizers about each, once."""
    queues.connection.delete(PENDING_KEY)
    reached = milestones.check()
    for milestone_id in reached:
        milestone = db.session.get(Milestone, milestone_id)
        for user in milestones.organizers_to_notify(milestone.action):
            enqueue(send_milestone_email, milestone_id, user.id, queue="mail")
    return reached


def send_milestone_email(milestone_id: int, user_id: int) -> str | None:
    milestone = db.session.get(Milestone, milestone_id)
    user = db.session.get(User, user_id)
    if milestone is None or user is None:
        return None  # deleted meanwhile
    try:
        return mail.send(milestones.milestone_email(milestone, user))
    except mail.PermanentMailError as exc:
        log.warning("milestone %s email to user %s failed: %s", milestone_id, user_id, exc)
        return None
