from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.user import User


class Suppression(db.Model):
    """An address an organization must never email, kept only as a keyed hash of its
    canonical form: the list can be checked, not read (see mail/suppressions.py)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("organization_id", "email_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
