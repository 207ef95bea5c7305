from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class RetentionPolicy(db.Model):
    """How long an organization keeps people who never confirmed, people who unsubscribed,
    and the address fingerprints of submissions. None keeps them."""

    __tablename__ = "retention_policies"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    unconfirmed_days: Mapped[int | None] = mapped_column(Integer)
    unsubscribed_days: Mapped[int | None] = mapped_column(Integer)
    ip_hash_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
