from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.organization import Organization

if TYPE_CHECKING:
    from campaigns.models.action import Action


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    live = "live"
    closed = "closed"


class Campaign(db.Model):
    """An organization's push, e.g. "Fair contract at Acme warehouses"."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CampaignStatus] = mapped_column(
        Enum(CampaignStatus, native_enum=False, length=20), default=CampaignStatus.draft, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    actions: Mapped[list[Action]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Action.id"
    )

    @property
    def is_live(self) -> bool:
        return self.status == CampaignStatus.live

    def __repr__(self) -> str:
        return f"<Campaign {self.slug} {self.status}>"
