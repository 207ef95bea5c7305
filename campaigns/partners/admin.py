"""Coalition partners on the organizer pages: the host names, edits and removes its
campaign's partners and sees each one's figures; a partner sees the campaigns it co-sponsors,
with its own figures only and never a host's supporter."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func, select, update

from campaigns.core import audit
from campaigns.extensions import db
from campaigns.models import (
    Action,
    ActionKind,
    Campaign,
    CampaignPartner,
    OptIn,
    OptInState,
    Organization,
    SharingMode,
    Submission,
    User,
    utcnow,
)
from campaigns.partners import offers as partners
from campaigns.submissions.opt_ins import normalize_source
from campaigns.urls import external_url

SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Actions a partner can put in its own page: letters have no embed.
EMBEDDABLE = (ActionKind.petition, ActionKind.pledge, ActionKind.event, ActionKind.story)


class PartnerError(ValueError):
    """A partner that cannot be added or saved; the message says why, for the form."""


@dataclass
class OptInCounts:
    pending: int = 0
    shared: int = 0
    over_cap: int = 0
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.shared + self.over_cap + self.withdrawn


@dataclass
class PartnerRow:
    """A partner of a campaign with its figures, as the host's page and the partner's show."""

    partner: CampaignPartner
    opt_ins: OptInCounts
    # Signatures (of any action of the campaign) that came with the partner's source code.
    brought: int
    links: list[dict] = field(default_factory=list)


def partners_of(campaign: Campaign) -> list[PartnerRow]:
    """The campaign's partners, each with its figures and links."""
    rows = db.session.scalars(
        select(CampaignPartner)
        .join(Organization, Organization.id == CampaignPartner.organization_id)
        .where(CampaignPartner.campaign_id == campaign.id)
        .order_by(Organization.name, CampaignPartner.id)
    ).all()
    counts = opt_in_counts(campaign.id)
    brought = signatures_brought(campaign.id, [p.source for p in rows])
    return [
        PartnerRow(p, counts.get(p.organization_id, OptInCounts()), brought[p.source], links(p))
        for p in rows
    ]


def partner_of(campaign: Campaign, partner_id: int) -> CampaignPartner:
    """A partner of this campaign, or 404: another campaign's partner is as good as unknown."""
    partner = db.session.get(CampaignPartner, partner_id)
    if partner is None or partner.campaign_id != campaign.id:
        abort(404)
    return partner


def opt_in_counts(campaign_id: int, organization_id: int | None = None) -> dict:
    """{partner organization id: OptInCounts} for the campaign, in numbers only."""
    query = (
        select(OptIn.organization_id, OptIn.state, func.count())
        .where(OptIn.campaign_id == campaign_id)
        .group_by(OptIn.organization_id, OptIn.state)
    )
    if organization_id is not None:
        query = query.where(OptIn.organization_id == organization_id)
    found: dict[int, OptInCounts] = {}
    for org_id, state, n in db.session.execute(query):
        setattr(found.setdefault(org_id, OptInCounts()), OptInState(state).value, n)
    return found


def signatures_brought(campaign_id: int, sources: list[str]) -> Counter:
    """Believed submissions on the campaign's actions per source code, for `sources`."""
    if not sources:
        return Counter()
    rows = db.session.execute(
        select(func.lower(Submission.source), func.count())
        .join(Action, Action.id == Submission.action_id)
        .where(
            Action.campaign_id == campaign_id,
            func.lower(Submission.source).in_(sources),
            Submission.fraudulent.is_(False),
        )
        .group_by(func.lower(Submission.source))
    ).all()
    return Counter(dict(rows))


def links(partner: CampaignPartner) -> list[dict]:
    """Each action's page link and embed code with the partner's source code."""
    actions = db.session.scalars(
        select(Action).where(Action.campaign_id == partner.campaign_id).order_by(Action.id)
    ).all()
    found = []
    for action in actions:
        item = {
            "action": action,
            "url": external_url("public.action", slug=action.slug, source=partner.source),
            "embed_url": None,
        }
        if action.kind in EMBEDDABLE:
            item["embed_url"] = external_url(
                "public.embed", slug=action.slug, source=partner.source
            )
        found.append(item)
    return found


def script_url() -> str:
    return external_url("static", filename="js/embed.js")


def add_partner(
    campaign: Campaign,
    organization_slug: str,
    sharing: SharingMode,
    cap: int | None,
    source: str,
    actor: User | None,
) -> CampaignPartner:
    """Name the organization with `organization_slug` as a partner of `campaign`."""
    slug = organization_slug.strip().lower()
    organization = db.session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if organization is None:
        raise PartnerError("No organization has that web address (slug).")
    if organization.id == campaign.organization_id:
        raise PartnerError("A campaign's own organization cannot be its partner.")
    taken = db.session.scalar(
        select(CampaignPartner.id).where(
            CampaignPartner.campaign_id == campaign.id,
            CampaignPartner.organization_id == organization.id,
        )
    )
    if taken is not None:
        raise PartnerError("That organization is already a partner of this campaign.")
    source = _check_source(campaign, source or organization.slug)
    partner = CampaignPartner(
        campaign_id=campaign.id,
        organization_id=organization.id,
        sharing=sharing,
        cap=cap,
        source=source,
    )
    db.session.add(partner)
    db.session.flush()
    _audit("partner_added", campaign, partner, organization, actor)
    db.session.commit()
    partners.forget_offers(campaign.id)
    return partner


def update_partner(
    partner: CampaignPartner,
    sharing: SharingMode,
    cap: int | None,
    source: str,
    actor: User | None,
) -> None:
    campaign = partner.campaign
    partner.source = _check_source(campaign, source or partner.organization.slug, partner.id)
    partner.sharing = sharing
    partner.cap = cap
    _audit("partner_changed", campaign, partner, partner.organization, actor)
    db.session.commit()
    partners.forget_offers(campaign.id)


def invitation_of(organization: Organization, partner_id: int) -> CampaignPartner:
    """A partnership naming `organization` as the partner; 404 for anyone else's."""
    partner = db.session.get(CampaignPartner, partner_id)
    if partner is None or partner.organization_id != organization.id:
        abort(404)
    return partner


def accept_partnership(partner: CampaignPartner, actor: User | None) -> None:
    """The partner agrees: from now on the campaign's forms offer its box."""
    if partner.accepted:
        return
    partner.accepted_at = utcnow()
    partner.accepted_by_id = actor.id if actor is not None else None
    _audit("partner_accepted", partner.campaign, partner, partner.organization, actor)
    db.session.commit()
    partners.forget_offers(partner.campaign_id)


def decline_partnership(partner: CampaignPartner, actor: User | None) -> int:
    """The partner says no, or no longer: as the host removing it (`remove_partner`)."""
    return remove_partner(partner, actor, kind="partner_declined")


def remove_partner(
    partner: CampaignPartner, actor: User | None, kind: str = "partner_removed"
) -> int:
    """Stop sharing with the partner: its pending opt-ins are withdrawn, and the people it
    already received stay on its own list. Returns how many pending were withdrawn."""
    campaign = partner.campaign
    withdrawn = db.session.execute(
        update(OptIn)
        .where(
            OptIn.campaign_id == campaign.id,
            OptIn.organization_id == partner.organization_id,
            OptIn.state == OptInState.pending,
        )
        .values(state=OptInState.withdrawn)
    ).rowcount
    _audit(kind, campaign, partner, partner.organization, actor, withdrawn=withdrawn)
    db.session.delete(partner)
    db.session.commit()
    partners.forget_offers(campaign.id)
    return withdrawn


def _check_source(campaign: Campaign, source: str, exclude_id: int | None = None) -> str:
    source = normalize_source(source)
    if not SOURCE.match(source):
        raise PartnerError("Use lower-case letters, digits, hyphens and underscores.")
    clash = select(CampaignPartner.id).where(
        CampaignPartner.campaign_id == campaign.id, CampaignPartner.source == source
    )
    if exclude_id is not None:
        clash = clash.where(CampaignPartner.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise PartnerError("Another partner of this campaign uses that source code.")
    return source


def _audit(kind, campaign, partner, organization, actor, **details) -> None:
    # In the log of the organization whose member acted: the host's for its own changes, the
    # partner's when it accepts or declines.
    acting = organization if kind in ("partner_accepted", "partner_declined") else None
    audit.record(
        kind,
        organization=acting or campaign.organization,
        actor=actor,
        subject=f"{organization.name} on “{campaign.title}”",
        details={
            "campaign_id": campaign.id,
            "partner": organization.slug,
            "sharing": partner.sharing.value,
            "cap": partner.cap,
            "source": partner.source,
            **details,
        },
    )


@dataclass
class CoSponsored:
    """A campaign the organization co-sponsors, with the organization's own figures."""

    campaign: Campaign
    host: Organization
    row: PartnerRow


def co_sponsored(organization: Organization) -> list[CoSponsored]:
    """The campaigns `organization` is a partner of: counts of its own opt-ins and of the
    signatures its source brought, never anything about a host's supporters."""
    rows = db.session.scalars(
        select(CampaignPartner)
        .where(CampaignPartner.organization_id == organization.id)
        .order_by(CampaignPartner.created_at.desc(), CampaignPartner.id.desc())
    ).all()
    found = []
    for p in rows:
        counts = opt_in_counts(p.campaign_id, organization.id).get(organization.id)
        brought = signatures_brought(p.campaign_id, [p.source])[p.source]
        row = PartnerRow(p, counts or OptInCounts(), brought, links(p))
        found.append(CoSponsored(p.campaign, p.campaign.organization, row))
    return found


def partner_choices(organization: Organization) -> list[Organization]:
    """The organizations partnering any of `organization`'s campaigns (the list filter)."""
    return list(
        db.session.scalars(
            select(Organization)
            .where(
                Organization.id.in_(
                    select(CampaignPartner.organization_id)
                    .join(Campaign, Campaign.id == CampaignPartner.campaign_id)
                    .where(Campaign.organization_id == organization.id)
                )
            )
            .order_by(Organization.name)
        )
    )


def opt_ins_of(supporter_id: int) -> list[OptIn]:
    """What the host's supporter page shows: the partners this person opted in to."""
    return list(
        db.session.scalars(
            select(OptIn)
            .where(OptIn.supporter_id == supporter_id)
            .order_by(OptIn.created_at.desc(), OptIn.id.desc())
        )
    )


def opt_ins_to(supporter_id: int) -> list[OptIn]:
    """What a partner's supporter page shows: the opt-ins shared to this person record,
    naming the campaign and source, nothing of the host's list."""
    return list(
        db.session.scalars(
            select(OptIn)
            .where(OptIn.partner_supporter_id == supporter_id)
            .order_by(OptIn.shared_at.desc(), OptIn.id.desc())
        )
    )
