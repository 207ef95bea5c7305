"""Reading actions for the public pages: listings, the action page, share links."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from flask import abort, current_app
from flask_babel import gettext
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import selectinload

from campaigns.extensions import db
from campaigns.models import (
    Action,
    ActionKind,
    ActionTranslation,
    Campaign,
    CampaignPartner,
    CampaignStatus,
    Organization,
    Submission,
    utcnow,
)
from campaigns.tracking import counts
from campaigns.urls import external_url

RECENT_SIGNERS = 10
PER_PAGE = 12


@dataclass
class Progress:
    total: int
    goal: int | None

    @property
    def percent(self) -> int:
        if not self.goal:
            return 0
        return min(100, round(100 * self.total / self.goal))


def public_action_or_404(slug: str) -> Action:
    """A live or closed action; drafts do not exist for the public."""
    act = db.session.scalars(
        select(Action)
        .where(Action.slug == slug)
        .options(selectinload(Action.translations), selectinload(Action.campaign))
    ).first()
    if act is None or act.campaign.status == CampaignStatus.draft:
        abort(404)
    return act


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
    # without them never looks partners up (services.partners).
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


def action_ref_or_404(slug: str) -> ActionRef:
    """The action a form is posted to; drafts are 404 as everywhere.

    A live action's ref comes from a small per-process cache, so a viral petition's posts
    skip the lookup; anything else is read from the database every time.
    """
    cache = current_app.extensions.setdefault("campaigns.action_refs", {})
    now = time.monotonic()
    hit = cache.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = db.session.execute(_ACTION_REF, {"slug": slug}).first()
    if row is None or row.status == CampaignStatus.draft:
        abort(404)
    ref = ActionRef(*row)
    if ref.is_live:
        if len(cache) >= REF_CACHE_SIZE:
            cache.clear()
        cache[slug] = (now + REF_SECONDS, ref)
    return ref


@dataclass
class CampaignFilters:
    """The index's filters, each empty for "any"."""

    kind: str = ""
    organization: str = ""  # organization slug
    language: str = ""

    @classmethod
    def from_args(cls, args) -> CampaignFilters:
        kind = args.get("kind", "")
        language = args.get("language", "")
        return cls(
            kind=kind if kind in ActionKind.__members__ else "",
            organization=args.get("organization", "")[:80],
            language=language if language in current_app.config["LANGUAGES"] else "",
        )

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def live_campaigns(page: int = 1, filters: CampaignFilters | None = None):
    """Live campaigns, newest first, a page at a time, with each action's public total."""
    filters = filters or CampaignFilters()
    query = (
        select(Campaign)
        .where(Campaign.status == CampaignStatus.live)
        .options(
            selectinload(Campaign.actions).selectinload(Action.translations),
            selectinload(Campaign.organization),
        )
        .order_by(Campaign.published_at.desc(), Campaign.id.desc())
    )
    if filters.kind:
        query = query.where(Campaign.actions.any(Action.kind == ActionKind(filters.kind)))
    if filters.organization:
        query = query.where(Campaign.organization.has(Organization.slug == filters.organization))
    if filters.language:
        query = query.where(
            Campaign.actions.any(
                Action.translations.any(ActionTranslation.locale == filters.language)
            )
        )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return {
        "pagination": pagination,
        "progress": progress_of([a for c in pagination.items for a in c.actions]),
        "filters": filters,
        "organizations": _live_organizations(),
    }


def _live_organizations() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization)
            .where(
                Organization.id.in_(
                    select(Campaign.organization_id).where(Campaign.status == CampaignStatus.live)
                )
            )
            .order_by(Organization.name)
        )
    )


def progress_of(actions: list[Action]) -> dict[int, Progress]:
    totals = counts.for_actions([a.id for a in actions])
    return {a.id: Progress(totals[a.id].counted(a.requires_confirmation), a.goal) for a in actions}


def public_campaign_or_404(slug: str) -> Campaign:
    """A live or closed campaign with its actions; drafts do not exist for the public."""
    campaign = db.session.scalars(
        select(Campaign)
        .where(Campaign.slug == slug)
        .options(
            selectinload(Campaign.actions).selectinload(Action.translations),
            selectinload(Campaign.organization),
        )
    ).first()
    if campaign is None or campaign.status == CampaignStatus.draft:
        abort(404)
    return campaign


def campaign_page(campaign: Campaign) -> dict:
    """Every action of the campaign with its count, and the stories approved for publication."""
    from campaigns.actions.stories import published_stories

    stories = {
        a.id: published_stories(a, limit=5) for a in campaign.actions if a.kind == ActionKind.story
    }
    return {"progress": progress_of(list(campaign.actions)), "stories": stories}


def recent_signers(act: Action, limit: int = RECENT_SIGNERS) -> list[dict]:
    """Only those who chose to be shown, and only first name, initial and city."""
    if not act.show_recent_signers:
        return []
    query = (
        select(Submission)
        .where(Submission.action_id == act.id, Submission.show_name.is_(True))
        .options(selectinload(Submission.supporter))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
    )
    if act.requires_confirmation:
        query = query.where(Submission.confirmed_at.is_not(None))
    return [
        {
            "name": s.supporter.public_name,
            "city": s.supporter.city,
            "at": s.created_at,
        }
        for s in db.session.scalars(query)
    ]


def action_page(act: Action) -> dict:
    public = public_counts(act)
    return {
        "progress": Progress(public.total, act.goal),
        "recent": public.recent,
        "milestone": public.milestone,
        "content": act.content(),
        # Absolute, from PUBLIC_URL: crawlers of link previews need full addresses.
        "page_url": external_url("public.action", slug=act.slug),
        "share_image_url": (
            external_url("public.media", name=act.share_image) if act.share_image else None
        ),
    }


def share_links(act: Action) -> dict[str, str]:
    """Plain links to share an action: no third-party scripts load on our pages."""
    url = external_url("public.action", slug=act.slug, source="share")
    title = act.title
    text = gettext("I just took action: %(title)s", title=title)
    return {
        "url": url,
        "whatsapp": f"https://wa.me/?text={quote(f'{text} {url}')}",
        "email": f"mailto:?subject={quote(title)}&body={quote(f'{text} {url}')}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}",
        "x": f"https://x.com/intent/post?text={quote(text)}&url={quote(url, safe='')}",
    }


@dataclass(frozen=True)
class PublicCounts:
    """What any visitor sees of an action's progress, as of `read_at`."""

    total: int
    goal: int | None
    recent: list[dict]
    milestone: dict | None
    read_at: datetime


def public_counts(act: Action) -> PublicCounts:
    """The action's public total, recent signers and last announced milestone.

    Kept per web process for PUBLIC_COUNT_CACHE_SECONDS: counts trail signing by a tally
    anyway, and a petition page shared to a million people then reads the database once every
    few seconds per process instead of on every view.
    """
    seconds = current_app.config["PUBLIC_COUNT_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault("campaigns.public_counts", {})
    now = time.monotonic()
    hit = cache.get(act.id)
    if hit is not None and hit[0] > now:
        return hit[1]
    from campaigns.tracking import milestones

    value = PublicCounts(
        total=counts.public_total(act),
        goal=act.goal,
        recent=recent_signers(act),
        milestone=milestones.announced(act),
        read_at=utcnow(),
    )
    if seconds > 0:
        if len(cache) >= REF_CACHE_SIZE:
            cache.clear()
        cache[act.id] = (now + seconds, value)
    return value


_COUNT_ACTION = (
    select(Action.id, Action.goal, Action.requires_confirmation, Campaign.status)
    .join(Campaign, Campaign.id == Action.campaign_id)
    .where(Action.slug == bindparam("slug"))
)


@dataclass(frozen=True)
class PublicCount:
    """count.json as served: its body, encoded once, and its ETag (the count and goal)."""

    figures: dict
    body: bytes
    etag: str


def public_count_json(slug: str) -> PublicCount:
    """{"count", "goal", "updated_at"} for /a/<slug>/count.json; drafts are 404.

    Cached per process as the page's figures are, by slug and already encoded, so a widget
    polled by thousands of visitors costs a dictionary lookup.
    """
    seconds = current_app.config["PUBLIC_COUNT_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault("campaigns.count_json", {})
    now = time.monotonic()
    hit = cache.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = db.session.execute(_COUNT_ACTION, {"slug": slug}).first()
    if row is None or row.status == CampaignStatus.draft:
        abort(404)
    total = counts.for_actions([row.id])[row.id].counted(row.requires_confirmation)
    figures = {
        "count": total,
        "goal": row.goal,
        "updated_at": utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    value = PublicCount(figures, json.dumps(figures).encode(), f"{total}-{row.goal}")
    if seconds > 0:
        if len(cache) >= REF_CACHE_SIZE:
            cache.clear()
        cache[slug] = (now + seconds, value)
    return value
