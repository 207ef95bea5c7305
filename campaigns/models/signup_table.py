from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class SignupTable(db.Model):
    """A sign-up table: one device (a tablet at a union meeting, a phone at a picket) an
    organizer opened for one action, for a few hours (integrity.tables)."""

    __tablename__ = "signup_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The source code its submissions carry ("table-7-hall-meeting"): counted per table.
    source: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_open(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
