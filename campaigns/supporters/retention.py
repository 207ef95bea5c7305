"""Each organization's retention policy, applied by a daily job: people who never confirmed
and people who unsubscribed are erased after the days the owners chose, and the address
fingerprints of submissions are dropped."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, exists, or_, select, update

from campaigns.core import audit
from campaigns.extensions import db
from campaigns.models import (
    Action,
    Campaign,
    Organization,
    RetentionPolicy,
    Submission,
    Supporter,
    User,
    utcnow,
)
from campaigns.supporters import erasure

log = logging.getLogger(__name__)
MAX_DAYS = 3650


def policy_of(organization: Organization) -> RetentionPolicy:
    return db.session.get(RetentionPolicy, organization.id) or RetentionPolicy(
        organization_id=organization.id
    )


def save(
    organization: Organization,
    user: User,
    unconfirmed_days: int | None,
    unsubscribed_days: int | None,
    ip_hash_days: int | None,
) -> RetentionPolicy:
    policy = policy_of(organization)
    before = _as_dict(policy)
    policy.unconfirmed_days = unconfirmed_days
    policy.unsubscribed_days = unsubscribed_days
    policy.ip_hash_days = ip_hash_days
    db.session.add(policy)
    audit.record(
        "retention_changed",
        organization=organization,
        actor=user,
        subject="Retention policy",
        details={"from": before, "to": _as_dict(policy)},
    )
    db.session.commit()
    return policy


def _as_dict(policy: RetentionPolicy) -> dict:
    return {
        "unconfirmed_days": policy.unconfirmed_days,
        "unsubscribed_days": policy.unsubscribed_days,
        "ip_hash_days": policy.ip_hash_days,
    }


def due_for_erasure(policy: RetentionPolicy, now=None):
    """A select of the ids of supporters the policy says to erase now."""
    now = now or utcnow()
    reasons = []
    if policy.unconfirmed_days is not None:
        cutoff = now - timedelta(days=policy.unconfirmed_days)
        # Known that long and never confirmed anything (an import without actions counts as
        # unconfirmed too: nobody proved the address is theirs).
        reasons.append(
            and_(
                Supporter.created_at < cutoff,
                ~exists().where(
                    Submission.supporter_id == Supporter.id,
                    or_(Submission.confirmed_at.is_not(None), Submission.created_at >= cutoff),
                ),
            )
        )
    if policy.unsubscribed_days is not None:
        cutoff = now - timedelta(days=policy.unsubscribed_days)
        reasons.append(
            and_(
                Supporter.subscribed.is_(False),
                Supporter.unsubscribed_at.is_not(None),
                Supporter.unsubscribed_at < cutoff,
                # Someone who took an action since is active again.
                ~exists().where(
                    Submission.supporter_id == Supporter.id, Submission.created_at >= cutoff
                ),
            )
        )
    if not reasons:
        return None
    return select(Supporter.id).where(
        Supporter.organization_id == policy.organization_id, or_(*reasons)
    )


def apply(policy: RetentionPolicy, now=None) -> dict:
    """Erase who is due and drop old address fingerprints; one audit event with the numbers."""
    organization = db.session.get(Organization, policy.organization_id)
    erased = 0
    query = due_for_erasure(policy, now)
    if query is not None:
        for supporter_id in db.session.scalars(query).all():
            erasure.erase(organization, supporter_id, None, audited=False)
            erased += 1
    dropped = _drop_ip_hashes(policy, now)
    if erased or dropped:
        audit.record(
            "retention_applied",
            organization=organization,
            subject="Retention policy",
            details={"erased": erased, "ip_hashes_dropped": dropped},
        )
    db.session.commit()
    return {"erased": erased, "ip_hashes_dropped": dropped}


def _drop_ip_hashes(policy: RetentionPolicy, now=None) -> int | None:
    """Clear `submissions.ip_hash` older than the policy's days (None: no limit set).

    The deployment-wide IP_HASH_RETENTION_DAYS applies as well (`integrity.review`); an
    organization may only ask for less.
    """
    column = Submission.__table__.c.ip_hash
    if policy.ip_hash_days is None:
        return None
    cutoff = (now or utcnow()) - timedelta(days=policy.ip_hash_days)
    actions = (
        select(Action.id)
        .join(Campaign, Campaign.id == Action.campaign_id)
        .where(Campaign.organization_id == policy.organization_id)
    )
    result = db.session.execute(
        update(Submission.__table__)
        .where(
            Submission.__table__.c.action_id.in_(actions),
            Submission.__table__.c.created_at < cutoff,
            column.is_not(None),
        )
        .values({column.name: None})
    )
    return result.rowcount


def apply_all(now=None) -> dict:
    totals = {"organizations": 0, "erased": 0}
    for policy in db.session.scalars(select(RetentionPolicy)).all():
        result = apply(policy, now)
        totals["organizations"] += 1
        totals["erased"] += result["erased"]
    return totals
