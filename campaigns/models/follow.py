from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.campaign import Campaign
from campaigns.models.supporter import Supporter


class Follow(db.Model):
    """A supporter asked to hear about one campaign ("get notified")."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("campaign_id", "supporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporters.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8), default="en")
    source: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest update this follower was sent: a retried job claims a follower only where
    # this is older, so nobody gets one update twice.
    last_update_id: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship()
    supporter: Mapped[Supporter] = relationship()


class CampaignUpdate(db.Model):
    """News an organizer sends to a campaign's followers, in English and Spanish."""

    __tablename__ = "campaign_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    subject_en: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[str] = mapped_column(Text)
    subject_es: Mapped[str] = mapped_column(String(200), default="")
    body_es: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship()

    def content(self, locale: str) -> tuple[str, str]:
        """Subject and body in `locale`, English where the Spanish was left empty."""
        if locale == "es" and self.subject_es and self.body_es:
            return self.subject_es, self.body_es
        return self.subject_en, self.body_en
