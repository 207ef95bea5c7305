from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, new_uuid, utcnow
from campaigns.extensions import db
from campaigns.models.action import Action
from campaigns.models.submission import Submission


class Shift(db.Model):
    """One session of an event action (a picket shift, a meeting): when, where, how many."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public identifiers for the API (`campaigns:<uuid>`), as for supporters and actions.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[Action] = relationship()
    rsvps: Mapped[list[Rsvp]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="Rsvp.id"
    )

    def __repr__(self) -> str:
        return f"<Shift {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class RsvpStatus(enum.StrEnum):
    attending = "attending"
    waitlisted = "waitlisted"
    cancelled = "cancelled"
    # From a submission held by a rate limit: no place yet; its confirmation takes one.
    held = "held"


class Rsvp(db.Model):
    """A supporter's place in one shift: attending, on the waitlist, or cancelled."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("shift_id", "submission_id"),
        # Capacity checks and promotion read a shift's RSVPs by status, oldest first.
        Index("ix_rsvps_shift_status", "shift_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RsvpStatus] = mapped_column(Enum(RsvpStatus, native_enum=False, length=20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift] = relationship(back_populates="rsvps")
    submission: Mapped[Submission] = relationship()
