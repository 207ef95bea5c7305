from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.submission import Submission
from campaigns.models.target import Target


class MessageStatus(enum.StrEnum):
    # Written with the submission, waiting for the supporter to confirm their email.
    held = "held"
    # Stopped by an abuse guard (see `hold_reason`) until an organizer releases or rejects it.
    review = "review"
    rejected = "rejected"
    queued = "queued"
    # Claimed by one worker, which is calling the provider right now.
    sending = "sending"
    # Its call to the provider went out and was never answered (a timeout): it may have been
    # accepted. Never sent again blindly: the provider's events move it on, or after
    # UNKNOWN_OUTCOME_GRACE_MINUTES without one it is failed, for the organizer to resend.
    unknown = "unknown"
    # Over the target's hourly cap, waiting for the daily digest to that target.
    bundled = "bundled"
    sent = "sent"
    delivered = "delivered"
    bounced = "bounced"
    # The provider refused to attempt delivery (a suppressed or invalid address).
    dropped = "dropped"
    failed = "failed"


# The states a message ends in; everything else is still on its way.
FINAL_STATUSES = frozenset(
    {
        MessageStatus.sent,
        MessageStatus.delivered,
        MessageStatus.bounced,
        MessageStatus.dropped,
        MessageStatus.failed,
        MessageStatus.rejected,
    }
)


class Message(db.Model):
    """One letter from one supporter to one target, and where it is on its way."""

    __tablename__ = "messages"
    # One letter per target per submission: a retried request cannot write twice.
    __table_args__ = (
        UniqueConstraint("submission_id", "target_id"),
        Index("ix_messages_status_due", "status", "due_at"),
        Index("ix_messages_action_status", "action_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=20), default=MessageStatus.queued
    )
    # The Channel it goes by; a CWC letter has no to_email ("") but the target's office code.
    channel: Mapped[str] = mapped_column(String(16), default="email", server_default="email")
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    # "Ana Ruiz via Local 42": the supporter's name on the organization's own address.
    from_name: Mapped[str] = mapped_column(String(200))
    reply_to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a queued message may next be tried (after a back-off).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    target: Mapped[Target] = relationship()
    submission: Mapped[Submission] = relationship()
