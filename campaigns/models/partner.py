from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.campaign import Campaign
from campaigns.models.organization import Organization


class SharingMode(enum.StrEnum):
    # Everyone who ticks the partner's box, wherever they came from.
    all = "all"
    # Only the supporters the partner's own links and embeds brought (its source code).
    proportional = "proportional"


class OptInState(enum.StrEnum):
    # Ticked; waiting for the supporter to confirm their email address.
    pending = "pending"
    # Copied to the partner's own supporter list.
    shared = "shared"
    # Confirmed when the partner's cap was already reached: kept, never shared.
    over_cap = "over_cap"
    # The partner was removed from the campaign before this one was shared.
    withdrawn = "withdrawn"


class CampaignPartner(db.Model):
    """An organization co-sponsoring another's campaign, and what it gets of the opt-ins."""

    __tablename__ = "campaign_partners"
    __table_args__ = (UniqueConstraint("campaign_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # The partner: never the campaign's own organization.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    sharing: Mapped[SharingMode] = mapped_column(
        Enum(SharingMode, native_enum=False, length=20), default=SharingMode.all
    )
    # At most this many people shared to the partner from this campaign; None for no limit.
    cap: Mapped[int | None] = mapped_column(Integer)
    # What the partner's links and embeds carry as `?source=`, lower case.
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A partnership is the partner's to accept: until then its box is on no form and nobody
    # is shared with it, so no campaign can claim a co-sponsor, or send one people, unasked.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship()
    organization: Mapped[Organization] = relationship()

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    def __repr__(self) -> str:
        return f"<CampaignPartner {self.campaign_id} {self.organization_id}>"


class OptIn(db.Model):
    """A supporter's consent to hear from a partner organization, given on one submission.

    Written with the submission when the box is ticked; shared (copied into the partner's
    supporter list) only once the supporter confirms their email address.
    """

    __tablename__ = "opt_ins"
    __table_args__ = (
        UniqueConstraint("submission_id", "organization_id"),
        Index("ix_opt_ins_campaign_organization", "campaign_id", "organization_id", "state"),
        # What the sweep has still to share: few rows, so finding them never scans the table.
        Index(
            "ix_opt_ins_pending",
            "submission_id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The host organization's supporter who gave the consent.
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporters.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    # The partner organization consented to.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[OptInState] = mapped_column(
        Enum(OptInState, native_enum=False, length=20), default=OptInState.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The partner's own supporter row, once shared: the partner's relationship from then on.
    partner_supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporters.id", ondelete="SET NULL"), index=True
    )

    campaign: Mapped[Campaign] = relationship()
    organization: Mapped[Organization] = relationship()

    def __repr__(self) -> str:
        return f"<OptIn {self.id} {self.state}>"
