"""Coalition partners on the public side: which opt-ins a form offers, writing the ticked ones
with the submission, and sharing them with the partner once the supporter confirms.

A partner gets a person only after that person confirms their email address: otherwise
anyone could sign an immigrant worker up to another organization by typing their address.
Sharing copies the person into the partner organization's own supporter list (matched by
canonical email, as signing does), so everything a partner sees stays scoped by
organization like the rest of the organizer pages. See docs/decisions.md, "Coalition
partners".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update

from campaigns.core import cache
from campaigns.core.cache import TTLCache
from campaigns.extensions import db
from campaigns.models import (
    Campaign,
    CampaignPartner,
    OptIn,
    OptInState,
    Organization,
    SharingMode,
    Submission,
    Supporter,
    utcnow,
)
from campaigns.queues import enqueue
from campaigns.submissions import signals
from campaigns.submissions.action_refs import REF_CACHE_SIZE, REF_SECONDS
from campaigns.submissions.opt_ins import normalize_source
from campaigns.submissions.signing import Signer
from campaigns.submissions.statements import upsert_supporter

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class PartnerOffer:
    """A partner as the public form needs it."""

    organization_id: int
    name: str
    sharing: SharingMode
    source: str
    # Its cap is reached: the form no longer offers it.
    full: bool = False

    def offered_to(self, source: str) -> bool:
        if self.full:
            return False
        if self.sharing == SharingMode.all:
            return True
        # Proportional: only to the people its own links and embeds brought.
        return bool(source) and normalize_source(source) == self.source


@dataclass(frozen=True)
class CampaignOffers:
    """The host's name and the partners of one campaign."""

    host_name: str
    partners: tuple[PartnerOffer, ...]

    def offered(self, source: str) -> list[PartnerOffer]:
        return [p for p in self.partners if p.offered_to(source)]


NO_OFFERS = CampaignOffers("", ())


# Kept per process for as long as action refs are: a change an organizer makes reaches every
# form within seconds.
OFFERS = TTLCache("partner_offers", seconds=REF_SECONDS, max_size=REF_CACHE_SIZE)


def offers(campaign_id: int) -> CampaignOffers:
    """The campaign's partners who accepted, and its host's name."""
    return OFFERS.get_or_load(campaign_id, lambda: _load_offers(campaign_id))


def forget_offers(campaign_id: int) -> None:
    """Drop what this process cached of the campaign's partners (after an organizer's
    change): its offers, and its actions' refs, which say whether it has any. Other
    processes see the change when theirs expire, within REF_SECONDS."""
    OFFERS.forget(campaign_id)
    cache.forget("action_refs", where=lambda _slug, ref: ref.campaign_id == campaign_id)


def _load_offers(campaign_id: int) -> CampaignOffers:
    rows = db.session.execute(
        select(CampaignPartner, Organization.name)
        .join(Organization, Organization.id == CampaignPartner.organization_id)
        # Only partners that accepted: a form never names an organization that has not.
        .where(CampaignPartner.campaign_id == campaign_id, CampaignPartner.accepted_at.is_not(None))
        .order_by(Organization.name, CampaignPartner.id)
    ).all()
    if not rows:
        return NO_OFFERS
    shared = shared_counts(campaign_id)
    partners = tuple(
        PartnerOffer(
            organization_id=p.organization_id,
            name=name,
            sharing=p.sharing,
            source=p.source,
            full=p.cap is not None and shared.get(p.organization_id, 0) >= p.cap,
        )
        for p, name in rows
    )
    host = db.session.execute(
        select(Organization.name)
        .join(Campaign, Campaign.organization_id == Organization.id)
        .where(Campaign.id == campaign_id)
    ).scalar_one()
    return CampaignOffers(host, partners)


def shared_counts(campaign_id: int) -> dict[int, int]:
    """People shared to each partner of the campaign (a person counts once per partner)."""
    rows = db.session.execute(
        select(OptIn.organization_id, func.count(func.distinct(OptIn.supporter_id)))
        .where(OptIn.campaign_id == campaign_id, OptIn.state == OptInState.shared)
        .group_by(OptIn.organization_id)
    ).all()
    return dict(rows)


def offers_for_form(campaign_id: int, has_partners: bool, source: str) -> tuple[str, list]:
    """(host name, partners to offer) for a form reached with `source`. `has_partners` comes
    with the action (ActionRef): an action without partners looks nothing up."""
    if not has_partners:
        return "", []
    found = offers(campaign_id)
    return found.host_name, found.offered(source)


def chosen(campaign_id: int, has_partners: bool, source: str, ticked: Iterable[int]) -> tuple:
    """The partner organizations a posted form opted in to: only those its form offered
    (a crafted post cannot opt in to a partner the page never showed)."""
    ticked = set(ticked or ())
    if not ticked or not has_partners:
        return ()
    _, offered = offers_for_form(campaign_id, has_partners, source)
    return tuple(p.organization_id for p in offered if p.organization_id in ticked)


def pending_names(submission_id: int) -> list[str]:
    """The partners a submission's confirmation will share the person with: the
    confirmation page names them, so the person knows what their button does."""
    return list(
        db.session.scalars(
            select(Organization.name)
            .join(OptIn, OptIn.organization_id == Organization.id)
            .where(OptIn.submission_id == submission_id, OptIn.state == OptInState.pending)
            .order_by(Organization.name)
        )
    )


@signals.confirmed.connect
def queue_sharing(submission_id: int) -> None:
    """After a confirmation: share the submission's opt-ins in a job, if it has any. The
    sweep shares them anyway if Redis is down."""
    pending = db.session.execute(
        select(
            exists().where(OptIn.submission_id == submission_id, OptIn.state == OptInState.pending)
        )
    ).scalar()
    if pending:
        enqueue("campaigns.partners.tasks.share_opt_ins", submission_id, queue="default")


def share_submission(submission_id: int) -> int:
    """Share the pending opt-ins of a confirmed submission; returns how many were shared."""
    ids = db.session.scalars(
        select(OptIn.id).where(
            OptIn.submission_id == submission_id, OptIn.state == OptInState.pending
        )
    ).all()
    db.session.rollback()
    return sum(share(opt_in_id) == OptInState.shared for opt_in_id in ids)


def sweep() -> int:
    """Share what a lost job left: pending opt-ins of confirmed, believed submissions."""
    ids = db.session.scalars(
        select(OptIn.id)
        .join(Submission, Submission.id == OptIn.submission_id)
        .where(
            OptIn.state == OptInState.pending,
            Submission.confirmed_at.is_not(None),
            Submission.fraudulent.is_(False),
        )
        .order_by(OptIn.id)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.rollback()
    return sum(share(opt_in_id) == OptInState.shared for opt_in_id in ids)


def share(opt_in_id: int) -> OptInState | None:
    """Decide one opt-in, in its own transaction; returns its new state, or None when it
    must wait (not confirmed yet) or was decided already.

    The cap holds exactly under concurrent jobs: the partner's row is locked first
    (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite a no-op UPDATE takes the database's one
    write lock), so two jobs count the shared people one after the other.
    """
    row = db.session.execute(
        select(OptIn.campaign_id, OptIn.organization_id).where(OptIn.id == opt_in_id)
    ).first()
    if row is None:
        return None
    partner = _lock_partner(row.campaign_id, row.organization_id)
    opt_in = db.session.execute(
        select(OptIn).where(OptIn.id == opt_in_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if opt_in is None or opt_in.state != OptInState.pending:
        db.session.rollback()
        return None
    submission = db.session.get(Submission, opt_in.submission_id)
    if submission.fraudulent or submission.confirmed_at is None:
        db.session.rollback()
        return None  # never shared on an unconfirmed address or a disbelieved request
    if (
        partner is None
        or not partner.accepted
        or (partner.sharing == SharingMode.proportional and opt_in.source != partner.source)
    ):
        # Removed from the campaign (or never accepted), or its sharing no longer covers
        # where this came from.
        return _decide(opt_in, OptInState.withdrawn)
    already = db.session.execute(
        select(OptIn.partner_supporter_id).where(
            OptIn.supporter_id == opt_in.supporter_id,
            OptIn.campaign_id == opt_in.campaign_id,
            OptIn.organization_id == opt_in.organization_id,
            OptIn.state == OptInState.shared,
        )
    ).first()
    if already is None and partner.cap is not None:
        shared = shared_counts(opt_in.campaign_id).get(opt_in.organization_id, 0)
        if shared >= partner.cap:
            return _decide(opt_in, OptInState.over_cap)
    host = db.session.get(Supporter, opt_in.supporter_id)
    opt_in.partner_supporter_id = _upsert_partner_supporter(partner.organization_id, host)
    opt_in.shared_at = utcnow()
    return _decide(opt_in, OptInState.shared)


def _decide(opt_in: OptIn, state: OptInState) -> OptInState:
    opt_in.state = state
    db.session.commit()
    return state


def _lock_partner(campaign_id: int, organization_id: int) -> CampaignPartner | None:
    where = and_(
        CampaignPartner.campaign_id == campaign_id,
        CampaignPartner.organization_id == organization_id,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = select(CampaignPartner).where(where).with_for_update()
    else:
        db.session.execute(update(CampaignPartner).where(where).values(cap=CampaignPartner.cap))
        query = select(CampaignPartner).where(where)
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _upsert_partner_supporter(organization_id: int, host: Supporter) -> int:
    """The partner's own supporter for the host's person, subscribed: the opt-in is the
    consent. A person the partner knew already keeps the details the partner has."""
    person = Signer(
        first_name=host.first_name,
        last_name=host.last_name,
        email=host.email,
        postcode=host.postcode,
        city=host.city,
        locale=host.locale,
        subscribe=True,
    )
    return upsert_supporter(organization_id, person, utcnow(), keep_details=True)
