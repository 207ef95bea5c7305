"""Milestones: thresholds of an action's public total that organizers want to hear about.

A check runs after each tally that folded anything in (`after_tally`). Crossing a
milestone sets its `reached_at` with an UPDATE that matches only while it is still empty;
only the check whose UPDATE matched queues the emails, so each milestone is announced once
however many checks run side by side.
"""

from __future__ import annotations

import logging

from flask import render_template
from redis.exceptions import RedisError
from sqlalchemy import select, update

from campaigns import mail
from campaigns.extensions import db, queues
from campaigns.mail import EmailMessage
from campaigns.models import Action, Membership, Milestone, Role, User, utcnow
from campaigns.queues import enqueue
from campaigns.tracking import counts
from campaigns.urls import external_url

log = logging.getLogger(__name__)

# "A milestone check is waiting": tallies run every few seconds under load, and one check
# covers all of them.
PENDING_KEY = "campaigns:milestones-pending"
PENDING_SECONDS = 60

# Who hears about a milestone: the people who write the organization's campaigns.
NOTIFIED_ROLES = (Role.owner, Role.organizer)


class MilestoneError(ValueError):
    """A milestone the action cannot have."""


def of_action(action: Action) -> list[Milestone]:
    return list(
        db.session.scalars(
            select(Milestone)
            .where(Milestone.action_id == action.id)
            .order_by(Milestone.percent, Milestone.value)
        )
    )


def add(action: Action, value: int, *, percent: bool = False, announce: bool = True) -> Milestone:
    if value < 1 or (percent and value > 100):
        raise MilestoneError("a percent is between 1 and 100; a number is at least 1")
    if percent and not action.goal:
        raise MilestoneError("set a goal first: a percent milestone is a share of the goal")
    exists = db.session.scalar(
        select(Milestone.id).where(
            Milestone.action_id == action.id,
            Milestone.value == value,
            Milestone.percent.is_(percent),
        )
    )
    if exists:
        raise MilestoneError("that milestone is set already")
    milestone = Milestone(action_id=action.id, value=value, percent=percent, announce=announce)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def remove(action: Action, milestone_id: int) -> bool:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.action_id != action.id:
        return False
    db.session.delete(milestone)
    db.session.commit()
    return True


def check() -> list[int]:
    """Mark every milestone crossed since the last check; returns the ids newly reached.

    Reads only actions that have a milestone still ahead, and their totals from the buckets.
    """
    pending = db.session.execute(
        select(Milestone, Action.goal, Action.requires_confirmation)
        .join(Action, Action.id == Milestone.action_id)
        .where(Milestone.reached_at.is_(None))
    ).all()
    if not pending:
        return []
    totals = counts.for_actions({m.action_id for m, _, _ in pending})
    reached = []
    table = Milestone.__table__
    for milestone, goal, requires_confirmation in pending:
        total = totals[milestone.action_id].counted(requires_confirmation)
        threshold = milestone.threshold(goal)
        if threshold is None or total < threshold:
            continue
        claimed = db.session.execute(
            update(table)
            .where(table.c.id == milestone.id, table.c.reached_at.is_(None))
            .values(reached_at=utcnow(), reached_total=total)
        ).rowcount
        if claimed:
            reached.append(milestone.id)
    db.session.commit()
    return reached


def organizers_to_notify(action: Action) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organization_id == action.organization_id,
                Membership.role.in_(NOTIFIED_ROLES),
            )
            .order_by(User.id)
        )
    )


def milestone_email(milestone: Milestone, user: User) -> EmailMessage:
    action = milestone.action
    content = action.content(action.default_locale)
    title = content.title if content else action.slug
    dashboard = external_url(
        "organize.action_dashboard",
        org=action.campaign.organization.slug,
        action_id=action.id,
    )
    subject = f"Milestone reached: {milestone.label()} on {title}"
    text = render_template(
        "email/milestone.txt",
        milestone=milestone,
        action=action,
        title=title,
        user=user,
        dashboard_url=dashboard,
    )
    return EmailMessage(
        to=user.email,
        to_name=user.name,
        subject=subject,
        text=text,
        organization_id=action.organization_id,
    )


def announced(action: Action) -> dict | None:
    """The highest milestone reached that the organizers chose to show on the public page."""
    rows = db.session.scalars(
        select(Milestone).where(
            Milestone.action_id == action.id,
            Milestone.reached_at.is_not(None),
            Milestone.announce.is_(True),
        )
    ).all()
    if not rows:
        return None
    best = max(rows, key=lambda m: (m.threshold(action.goal) or 0, not m.percent))
    if best.percent:
        return {"percent": best.value}
    return {"count": best.value}


def after_tally(folded: int) -> int:
    """Queue a check when the tally changed a count; returns `folded` unchanged."""
    if folded:
        try:
            if queues.connection.set(PENDING_KEY, "1", nx=True, ex=PENDING_SECONDS):
                enqueue("campaigns.tracking.tasks.check_milestones", queue="counts")
        except RedisError:
            log.exception("could not queue a milestone check; the next tally will")
    return folded


def check_and_notify() -> list[int]:
    """Mark the milestones crossed and queue an email to each organizer about each, once."""
    queues.connection.delete(PENDING_KEY)
    reached = check()
    for milestone_id in reached:
        milestone = db.session.get(Milestone, milestone_id)
        for user in organizers_to_notify(milestone.action):
            enqueue(
                "campaigns.tracking.tasks.send_milestone_email",
                milestone_id,
                user.id,
                queue="mail",
            )
    return reached


def send_email(milestone_id: int, user_id: int) -> str | None:
    milestone = db.session.get(Milestone, milestone_id)
    user = db.session.get(User, user_id)
    if milestone is None or user is None:
        return None  # deleted meanwhile
    try:
        return mail.send(milestone_email(milestone, user))
    except mail.PermanentMailError as exc:
        log.warning("milestone %s email to user %s failed: %s", milestone_id, user_id, exc)
        return None
