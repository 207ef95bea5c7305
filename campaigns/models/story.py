from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.submission import Submission


class StoryConsent(enum.StrEnum):
    """How the supporter allows their story to be published, if approved."""

    name_city = "name_city"  # "Maria, Oakland"
    anonymous = "anonymous"
    private = "private"  # for the organizers only, never public


class StoryStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Story(db.Model):
    """A supporter's story; nothing of it is public until an organizer approves it."""

    __tablename__ = "stories"
    __table_args__ = (Index("ix_stories_action_status", "action_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    # As the supporter wrote it, kept for the record; `text` is what is published, which an
    # organizer may edit (remove a workplace or a manager's name) before approving.
    original_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    consent: Mapped[StoryConsent] = mapped_column(Enum(StoryConsent, native_enum=False, length=20))
    status: Mapped[StoryStatus] = mapped_column(
        Enum(StoryStatus, native_enum=False, length=20), default=StoryStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship()
