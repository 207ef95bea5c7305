"""Organizers' work on campaigns and their petitions: create, edit, publish, close."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from campaigns.core.slugs import prepare_action, unique_slug
from campaigns.extensions import db
from campaigns.models import (
    Action,
    ActionKind,
    ActionTranslation,
    Campaign,
    CampaignStatus,
    Organization,
    utcnow,
)
from campaigns.tracking import counts


class TransitionError(ValueError):
    """A status change the campaign's lifecycle does not allow."""


@dataclass
class PetitionContent:
    locale: str
    title: str
    body: str


def campaigns_of(org: Organization) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.organization_id == org.id)
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def campaign_of(org: Organization, campaign_id: int) -> Campaign:
    """The organization's campaign, or 404: another organization's id is as good as unknown."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.organization_id != org.id:
        abort(404)
    return campaign


def action_of(org: Organization, action_id: int, kind: ActionKind | None = None) -> Action:
    """The organization's action, of `kind` if given; 404 for anything else."""
    act = db.session.get(Action, action_id)
    if act is None or act.campaign.organization_id != org.id:
        abort(404)
    if kind is not None and act.kind != kind:
        abort(404)
    return act


def create_campaign(
    org: Organization, *, title: str, description: str = "", goal: int | None, slug: str = ""
) -> Campaign:
    campaign = Campaign(
        organization_id=org.id,
        title=title,
        description=description,
        goal=goal,
        slug=slug or unique_slug(Campaign, title),
        status=CampaignStatus.draft,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def update_campaign(
    campaign: Campaign, *, title: str, description: str, goal: int | None, slug: str
):
    campaign.title = title
    campaign.description = description
    campaign.goal = goal
    campaign.slug = slug or campaign.slug
    db.session.commit()


def publish(campaign: Campaign) -> None:
    """draft -> live. A campaign with nothing to do cannot go live."""
    if campaign.status != CampaignStatus.draft:
        raise TransitionError("only a draft can be published")
    if not campaign.actions:
        raise TransitionError("add an action before publishing")
    campaign.status = CampaignStatus.live
    campaign.published_at = utcnow()
    db.session.commit()


def close(campaign: Campaign) -> None:
    """live -> closed. Closed campaigns keep their page and counts but take no signatures."""
    if campaign.status != CampaignStatus.live:
        raise TransitionError("only a live campaign can be closed")
    campaign.status = CampaignStatus.closed
    campaign.closed_at = utcnow()
    db.session.commit()


def save_petition(
    campaign: Campaign,
    contents: list[PetitionContent],
    *,
    goal: int | None,
    requires_confirmation: bool,
    show_recent_signers: bool = True,
    asks_workplace: bool = False,
    slug: str = "",
    petition: Action | None = None,
    kind: ActionKind = ActionKind.petition,
) -> Action:
    """Create an action of `kind` (a petition; pledges, events and stories are saved the same
    way), or update `petition`, with its text per language."""
    english = next((c for c in contents if c.title), None)
    titled = english.title if english else None
    petition = prepare_action(campaign, kind, titled, slug, petition)
    petition.goal = goal
    petition.requires_confirmation = requires_confirmation
    petition.show_recent_signers = show_recent_signers
    petition.asks_workplace = asks_workplace
    existing = {t.locale: t for t in petition.translations}
    for content in contents:
        translation = existing.get(content.locale)
        if not content.title:
            if translation is not None:
                petition.translations.remove(translation)
            continue
        if translation is None:
            translation = ActionTranslation(locale=content.locale)
            petition.translations.append(translation)
        translation.title = content.title
        translation.body = content.body
    petition.default_locale = english.locale if english else "en"
    db.session.commit()
    return petition


@dataclass
class CampaignCounts:
    total: counts.Counts
    per_action: dict[int, counts.Counts]


def campaign_counts(campaign: Campaign) -> CampaignCounts:
    per_action = counts.for_actions(a.id for a in campaign.actions)
    total = sum(per_action.values(), counts.Counts())
    return CampaignCounts(total=total, per_action=per_action)
