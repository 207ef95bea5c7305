"""Held submissions, as organizers see them: how many wait per action, releasing or
marking them fraudulent in bulk (audited), and the owners' digest when they pile up.

A submission is held when only a rate limit caught it (integrity.checks): not counted, not
public, its letters unsent, until its confirmation link is answered or an organizer decides.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app, render_template
from redis.exceptions import RedisError
from sqlalchemy import and_, func, select

from campaigns import mail
from campaigns.core import audit
from campaigns.extensions import db, queues
from campaigns.models import (
    Action,
    Campaign,
    Membership,
    Organization,
    Role,
    Submission,
    User,
    utcnow,
)
from campaigns.tracking import counts
from campaigns.urls import external_url

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(hours=1)


def _held(action_id: int):
    return and_(Submission.action_id == action_id, Submission.held_reason.is_not(None))


def held_counts(action_ids: list[int]) -> dict[int, int]:
    """Held submissions per action id (actions with none are left out)."""
    if not action_ids:
        return {}
    rows = db.session.execute(
        select(Submission.action_id, func.count())
        .where(Submission.action_id.in_(action_ids), Submission.held_reason.is_not(None))
        .group_by(Submission.action_id)
    )
    return dict(rows.all())


def release(org: Organization, action: Action, actor: User) -> int:
    """Count every held submission of the action: the organizer vouches for them. A letter
    or RSVP still waits for its confirmation email, which the sweep sends if the cap kept
    it back. Returns how many."""
    return _decide(org, action, actor, "held_released", counts.recount)


def mark_fraudulent(org: Organization, action: Action, actor: User) -> int:
    """Refuse every held submission of the action: fraudulent, and their confirmation links
    can no longer count them. Returns how many."""
    return _decide(org, action, actor, "held_marked_fraudulent", counts.uncount)


def _decide(org: Organization, action: Action, actor: User, kind: str, change) -> int:
    n = change(_held(action.id))
    audit.record(
        kind,
        organization=org,
        actor=actor,
        subject=f"{n} held submission(s) on {action.slug}",
        details={"action_id": action.id, "count": n},
    )
    db.session.commit()
    return n


def notify_owners(now: datetime | None = None) -> int:
    """Email each organization's owners once when more than HELD_DIGEST_THRESHOLD
    submissions were held in the last hour; at most one digest an hour per organization.
    Returns how many digests were sent."""
    threshold = current_app.config["HELD_DIGEST_THRESHOLD"]
    if not threshold:
        return 0
    now = now or utcnow()
    rows = db.session.execute(
        select(Campaign.organization_id, Action.id, func.count())
        .select_from(Submission)
        .join(Action, Action.id == Submission.action_id)
        .join(Campaign, Campaign.id == Action.campaign_id)
        .where(Submission.held_reason.is_not(None), Submission.created_at >= now - DIGEST_WINDOW)
        .group_by(Campaign.organization_id, Action.id)
    ).all()
    by_org: dict[int, dict[int, int]] = {}
    for organization_id, action_id, n in rows:
        by_org.setdefault(organization_id, {})[action_id] = n
    sent = 0
    for organization_id, per_action in by_org.items():
        if sum(per_action.values()) < threshold or not _first_this_hour(organization_id):
            continue
        sent += _send_digest(db.session.get(Organization, organization_id), per_action)
    return sent


def _first_this_hour(organization_id: int) -> bool:
    try:
        key = f"campaigns:held-digest:{organization_id}"
        return bool(queues.connection.set(key, "1", nx=True, ex=int(DIGEST_WINDOW.total_seconds())))
    except RedisError:
        log.exception("could not check the held digest's hour; not sending it")
        return False


def _send_digest(org: Organization, per_action: dict[int, int]) -> int:
    actions = [(db.session.get(Action, action_id), n) for action_id, n in per_action.items()]
    actions.sort(key=lambda pair: -pair[1])
    owners = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id, Membership.role == Role.owner)
        .order_by(User.id)
    ).all()
    total = sum(per_action.values())
    for owner in owners:
        text = render_template(
            "email/held_digest.txt",
            organization=org,
            owner=owner,
            total=total,
            actions=[
                (
                    action.title,
                    n,
                    external_url("organize.action_dashboard", org=org.slug, action_id=action.id),
                )
                for action, n in actions
            ],
        )
        mail.send(
            mail.EmailMessage(
                to=owner.email,
                to_name=owner.name,
                subject=f"{total} submissions are held for review at {org.name}",
                text=text,
                organization_id=org.id,
            )
        )
    return 1 if owners else 0
