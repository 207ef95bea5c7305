"""Sending a campaign's update to its followers, in batches, in each one's language."""

from __future__ import annotations

import logging

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from campaigns import mail
from campaigns.actions.follows import BATCH
from campaigns.extensions import db
from campaigns.mail import EmailMessage
from campaigns.models import CampaignUpdate, Follow, Supporter
from campaigns.queues import enqueue
from campaigns.submissions.emails import unsubscribe_headers
from campaigns.urls import external_url

log = logging.getLogger(__name__)


def split_update(update_id: int) -> int:
    """Split the followers into batches, one `deliver_update` job each; returns the batches."""
    row = db.session.get(CampaignUpdate, update_id)
    if row is None:
        return 0
    ids = db.session.scalars(
        select(Follow.id).where(Follow.campaign_id == row.campaign_id).order_by(Follow.id)
    ).all()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    for batch in batches:
        enqueue("campaigns.actions.tasks.deliver_update", update_id, batch, queue="mail")
    return len(batches)


def deliver_update(update_id: int, follow_ids: list[int]) -> int:
    """Send the update to each follower in `follow_ids` still subscribed; returns how many.

    Each follower is claimed (`last_update_id` moved to this update where it was older)
    just before their email, so a retried job skips whoever already got it.
    """
    row = db.session.get(CampaignUpdate, update_id)
    if row is None:
        return 0
    sent = 0
    for follow_id in follow_ids:
        follow = db.session.get(Follow, follow_id)
        if follow is None or not follow.supporter.subscribed:
            continue  # unfollowed (erased) or unsubscribed since: honoured
        claimed = db.session.execute(
            update(Follow)
            .where(
                Follow.id == follow_id,
                or_(Follow.last_update_id.is_(None), Follow.last_update_id < update_id),
            )
            .values(last_update_id=update_id)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        try:
            mail.send(update_email(row, follow.supporter, follow.locale))
        except mail.PermanentMailError as exc:
            log.warning("update %s to follow %s failed: %s", update_id, follow_id, exc)
            continue
        except mail.TemporaryMailError:
            # Give the claim back, so the retried job sends this one and the rest.
            db.session.execute(
                update(Follow).where(Follow.id == follow_id).values(last_update_id=None)
            )
            db.session.commit()
            raise
        sent += 1
    db.session.execute(
        update(CampaignUpdate)
        .where(CampaignUpdate.id == update_id)
        .values(sent_count=CampaignUpdate.sent_count + sent)
    )
    db.session.commit()
    return sent


def update_email(row: CampaignUpdate, supporter: Supporter, locale: str) -> EmailMessage:
    locale = locale or supporter.locale or "en"
    subject, body = row.content(locale)
    campaign = row.campaign
    with force_locale(locale):
        text = render_template(
            "email/campaign_update.txt",
            supporter=supporter,
            body=body,
            campaign=campaign,
            campaign_url=external_url("public.campaign", slug=campaign.slug),
            unsubscribe_url=unsubscribe_headers(supporter)["List-Unsubscribe"][1:-1],
        )
    return EmailMessage(
        to=supporter.email,
        to_name=f"{supporter.first_name} {supporter.last_name}".strip(),
        subject=subject,
        text=text,
        headers=unsubscribe_headers(supporter),
        organization_id=campaign.organization_id,
        tracking={"campaign_update_id": str(row.id)},
    )
