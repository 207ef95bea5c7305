"""What signing needs to know of an action (its ref), read in one statement and cached."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import bindparam, exists, select

from campaigns.core.cache import MISSING, TTLCache
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Campaign, CampaignPartner, CampaignStatus


@dataclass(frozen=True)
class ActionRef:
    """What signing needs to know of an action, read without building ORM objects."""

    id: int
    slug: str
    kind: ActionKind
    organization_id: int
    campaign_status: CampaignStatus
    # Read with the ref (cached up to REF_SECONDS): turning the setting on or off reaches
    # posts within seconds, and a post that raced it stores only what its form showed.
    asks_workplace: bool = False
    campaign_id: int = 0
    # Whether the campaign has co-sponsoring partners, read in the same statement: an action
    # without them never looks partners up (`campaigns.partners`).
    has_partners: bool = False

    @property
    def is_live(self) -> bool:
        return self.campaign_status == CampaignStatus.live


_ACTION_REF = (
    select(
        Action.id,
        Action.slug,
        Action.kind,
        Campaign.organization_id,
        Campaign.status,
        Action.asks_workplace,
        Action.campaign_id,
        exists().where(
            CampaignPartner.campaign_id == Action.campaign_id,
            CampaignPartner.accepted_at.is_not(None),
        ),
    )
    .join(Campaign, Campaign.id == Action.campaign_id)
    .where(Action.slug == bindparam("slug"))
)


# Live actions a worker process has looked up lately, by slug. What a ref holds of a live
# action does not change (its id, kind and organization), and signing reads the campaign's
# status again in its own statement, so a campaign closed a moment ago takes no signature
# even from a ref read before.
REF_SECONDS = 10
REF_CACHE_SIZE = 1000
REFS = TTLCache("action_refs", seconds=REF_SECONDS, max_size=REF_CACHE_SIZE)


def action_ref_or_404(slug: str) -> ActionRef:
    """The action a form is posted to; drafts are 404 as everywhere.

    A live action's ref comes from a small per-process cache, so a viral petition's posts
    skip the lookup; anything else is read from the database every time.
    """
    ref = REFS.get(slug)
    if ref is not MISSING:
        return ref
    row = db.session.execute(_ACTION_REF, {"slug": slug}).first()
    if row is None or row.status == CampaignStatus.draft:
        abort(404)
    ref = ActionRef(*row)
    if ref.is_live:
        REFS.put(slug, ref)
    return ref
