"""Following a campaign, and the updates organizers send to its followers.

Following is an explicit request for news, so it subscribes the person to the organization's
mail (no double opt-in, as the issue asked). Unsubscribing, from any email's link, wins over
every follow: updates go only to supporters still subscribed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from campaigns.core.addresses import canonical_email
from campaigns.extensions import db
from campaigns.models import Campaign, CampaignUpdate, Follow, Supporter, utcnow
from campaigns.queues import enqueue

# Followers per delivery job: one job's worth of emails stays well inside the job timeout.
BATCH = 200


@dataclass
class Follower:
    email: str
    name: str
    locale: str = "en"
    source: str = ""


def follow(campaign: Campaign, who: Follower) -> bool:
    """Record the follow (and subscribe the person); True if they were not following yet."""
    now = utcnow()
    key = canonical_email(who.email)
    supporter = db.session.scalars(
        select(Supporter).where(
            Supporter.organization_id == campaign.organization_id, Supporter.email_key == key
        )
    ).first()
    if supporter is None:
        supporter = Supporter(
            organization_id=campaign.organization_id,
            email=who.email.strip(),
            email_key=key,
            first_name=who.name,
            last_name="",
            locale=who.locale,
        )
        db.session.add(supporter)
    supporter.locale = who.locale
    if not supporter.subscribed:
        # Asking to follow is asking for mail, even after an earlier unsubscribe.
        supporter.subscribed, supporter.subscribed_at = True, now
        supporter.unsubscribed_at = None
    db.session.flush()
    existing = db.session.scalars(
        select(Follow).where(Follow.campaign_id == campaign.id, Follow.supporter_id == supporter.id)
    ).first()
    if existing is not None:
        existing.locale = who.locale
        db.session.commit()
        return False
    db.session.add(
        Follow(
            campaign_id=campaign.id,
            supporter_id=supporter.id,
            locale=who.locale,
            source=who.source[:64],
        )
    )
    db.session.commit()
    return True


def follower_count(campaign: Campaign) -> int:
    """Followers who would receive an update now (unsubscribed people excluded)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Follow)
        .join(Supporter, Supporter.id == Follow.supporter_id)
        .where(Follow.campaign_id == campaign.id, Supporter.subscribed.is_(True))
    )


def create_update(
    campaign: Campaign,
    *,
    subject_en: str,
    body_en: str,
    subject_es: str = "",
    body_es: str = "",
    user_id: int | None = None,
) -> CampaignUpdate:
    """Save the update and queue its delivery (one job, which fans out in batches)."""
    update = CampaignUpdate(
        campaign_id=campaign.id,
        subject_en=subject_en,
        body_en=body_en,
        subject_es=subject_es,
        body_es=body_es,
        created_by_id=user_id,
    )
    db.session.add(update)
    db.session.commit()
    enqueue("campaigns.actions.tasks.send_update", update.id, queue="mail")
    return update


def updates_of(campaign: Campaign) -> list[CampaignUpdate]:
    return list(
        db.session.scalars(
            select(CampaignUpdate)
            .where(CampaignUpdate.campaign_id == campaign.id)
            .order_by(CampaignUpdate.created_at.desc(), CampaignUpdate.id.desc())
        )
    )
