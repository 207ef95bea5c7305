"""Reading actions for the public pages: listings, the action page, share links."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from flask import abort, current_app
from flask_babel import gettext
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from campaigns.actions.stories import published_stories
from campaigns.core.cache import MISSING, TTLCache
from campaigns.events import rsvps
from campaigns.extensions import db
from campaigns.models import (
    Action,
    ActionKind,
    ActionTranslation,
    Campaign,
    CampaignStatus,
    Organization,
    Submission,
    utcnow,
)
from campaigns.tracking import counts, milestones
from campaigns.urls import external_url

RECENT_SIGNERS = 10
PER_PAGE = 12

# An action's public figures, kept per web process for PUBLIC_COUNT_CACHE_SECONDS.
COUNTS = TTLCache("public_counts", seconds="PUBLIC_COUNT_CACHE_SECONDS")
COUNT_JSON = TTLCache("count_json", seconds="PUBLIC_COUNT_CACHE_SECONDS")


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

    stories = {
        a.id: published_stories(a, limit=5) for a in campaign.actions if a.kind == ActionKind.story
    }
    return {"progress": progress_of(list(campaign.actions)), "stories": stories}


def recent_signers(act: Action, limit: int = RECENT_SIGNERS) -> list[dict]:
    """Only those who chose to be shown and confirmed by email, and only first name, initial
    and city: anyone can type a name beside someone else's address, so a name is public only
    once its mailbox answered, whether or not the action counts unconfirmed signatures."""
    if not act.show_recent_signers:
        return []
    query = (
        select(Submission)
        .where(
            Submission.action_id == act.id,
            Submission.show_name.is_(True),
            Submission.confirmed_at.is_not(None),
            Submission.fraudulent.is_(False),
        )
        .options(selectinload(Submission.supporter))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
    )
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
    """Plain links to share an action: no third-party scripts load on our pages. Each
    channel's link carries its own source code (`share-whatsapp`, …, `share-copy` for the
    link to copy), so the sources page tells which one brought people."""

    def url(channel: str) -> str:
        return external_url("public.action", slug=act.slug, source=f"share-{channel}")

    title = act.title
    text = gettext("I just took action: %(title)s", title=title)
    whatsapp, email = url("whatsapp"), url("email")
    facebook, x = quote(url("facebook"), safe=""), quote(url("x"), safe="")
    return {
        "url": url("copy"),
        "whatsapp": f"https://wa.me/?text={quote(f'{text} {whatsapp}')}",
        "email": f"mailto:?subject={quote(title)}&body={quote(f'{text} {email}')}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={facebook}",
        "x": f"https://x.com/intent/post?text={quote(text)}&url={x}",
    }


def next_actions(act: Action, limit: int = 3) -> list[Action]:
    """The campaign's other actions, for the thank-you page's next step ("Now email the
    CEO"): only while the campaign is live."""
    if not act.campaign.is_live:
        return []
    others = [a for a in act.campaign.actions if a.id != act.id]
    return sorted(others, key=lambda a: a.id)[:limit]


@dataclass(frozen=True)
class PublicCounts:
    """What any visitor sees of an action's progress, as of `read_at`."""

    total: int
    goal: int | None
    recent: list[dict]
    milestone: dict | None
    read_at: datetime


def _public_total(action_id: int, kind: ActionKind, requires_confirmation: bool) -> int:
    """The count a visitor sees: counted submissions, and for an event without the people
    who cancelled every place they had."""
    total = counts.for_actions([action_id])[action_id].counted(requires_confirmation)
    if kind == ActionKind.event:
        total = max(0, total - rsvps.withdrawn(action_id, requires_confirmation))
    return total


def public_counts(act: Action) -> PublicCounts:
    """The action's public total, recent signers and last announced milestone.

    Kept per web process for PUBLIC_COUNT_CACHE_SECONDS: counts trail signing by a tally
    anyway, and a petition page shared to a million people then reads the database once every
    few seconds per process instead of on every view.
    """
    value = COUNTS.get(act.id)
    if value is not MISSING:
        return value
    value = PublicCounts(
        total=_public_total(act.id, act.kind, act.requires_confirmation),
        goal=act.goal,
        recent=recent_signers(act),
        milestone=milestones.announced(act),
        read_at=utcnow(),
    )
    return COUNTS.put(act.id, value)


_COUNT_ACTION = (
    select(Action.id, Action.kind, Action.goal, Action.requires_confirmation, Campaign.status)
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
    value = COUNT_JSON.get(slug)
    if value is not MISSING:
        return value
    row = db.session.execute(_COUNT_ACTION, {"slug": slug}).first()
    if row is None or row.status == CampaignStatus.draft:
        abort(404)
    total = _public_total(row.id, row.kind, row.requires_confirmation)
    figures = {
        "count": total,
        "goal": row.goal,
        "updated_at": utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    value = PublicCount(figures, json.dumps(figures).encode(), f"{total}-{row.goal}")
    return COUNT_JSON.put(slug, value)
