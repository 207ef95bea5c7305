from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class Target(db.Model):
    """Someone a letter goes to: an employer's CEO, a council member, a legislator."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    # Members of Congress publish no address: such a target is shown but never emailed.
    email: Mapped[str | None] = mapped_column(String(254))
    # Set for targets found by postcode: which directory, which district (see PostcodeDistrict).
    directory_id: Mapped[int | None] = mapped_column(
        ForeignKey("directories.id", ondelete="CASCADE"), index=True
    )
    district: Mapped[str | None] = mapped_column(String(32), index=True)
    # Public contact details shown to supporters (e.g. a legislator's phone and web form).
    phone: Mapped[str] = mapped_column(String(40), default="")
    contact_url: Mapped[str] = mapped_column(String(500), default="")
    # The source's own id (e.g. a bioguide id), so a re-import updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def can_be_emailed(self) -> bool:
        return bool(self.email)

    def __repr__(self) -> str:
        return f"<Target {self.id} {self.name}>"


class ActionTarget(db.Model):
    """A fixed target of a letter action."""

    __tablename__ = "action_targets"
    __table_args__ = (UniqueConstraint("action_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
