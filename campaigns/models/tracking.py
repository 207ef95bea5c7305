"""What organizers set up to follow an action: milestones, and deliveries of the petition."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.action import Action


class PetitionDeliveryStatus(enum.StrEnum):
    """queued -> sending -> sent | failed; a temporary failure gives it back to queued."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class Milestone(db.Model):
    """A threshold of an action's public total: a fixed number, or a percent of its goal.

    `reached_at` is set once, by an UPDATE that only matches while it is still empty, and only
    the job whose UPDATE matched emails the organizers: a milestone is announced exactly once
    however many checks run side by side.
    """

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("action_id", "value", "percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    # True: `value` is a percent of the action's goal at the time of checking.
    percent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Say it on the public action page once reached ("We reached 1,000 signatures!").
    announce: Mapped[bool] = mapped_column(Boolean, default=True)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The public total when the crossing was noticed (it may have jumped past the threshold).
    reached_total: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[Action] = relationship()

    def threshold(self, goal: int | None) -> int | None:
        """The count that reaches it; None for a percent milestone of an action with no goal."""
        if not self.percent:
            return self.value
        if not goal:
            return None
        return -(-goal * self.value // 100)  # rounded up: 50% of 5 is 3, not 2

    def label(self) -> str:
        return f"{self.value}% of the goal" if self.percent else f"{self.value:,} signatures"


class PetitionDelivery(db.Model):
    """One sending of a petition to its targets: who, what, when, and how it went."""

    __tablename__ = "petition_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # [{"name", "email"}]
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    # Signer columns the organizer ticked for the CSV; empty for a protected delivery.
    fields: Mapped[list] = mapped_column(JSON, default=list)
    # An employer target: counts per group only, small groups merged into "other".
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    group_by: Mapped[str] = mapped_column(String(20), default="postcode")
    min_group: Mapped[int] = mapped_column(Integer, default=5)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PetitionDeliveryStatus] = mapped_column(
        Enum(PetitionDeliveryStatus, native_enum=False, length=20),
        default=PetitionDeliveryStatus.queued,
    )
    signatures: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    action: Mapped[Action] = relationship()
