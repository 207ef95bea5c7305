from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, new_uuid, utcnow
from campaigns.extensions import db
from campaigns.models.action import Action
from campaigns.models.supporter import Supporter


class Submission(db.Model):
    """A supporter taking an action once: a signature, a pledge, an RSVP, a story."""

    __tablename__ = "submissions"
    # Signing twice is not two signatures: the database enforces it, not only the code.
    __table_args__ = (
        UniqueConstraint("action_id", "supporter_id"),
        Index("ix_submissions_action_created", "action_id", "created_at"),
        # The public list of recent signers reads only those who chose to be shown, newest
        # first: without this it walks every signature of a million-signature petition.
        Index(
            "ix_submissions_shown",
            "action_id",
            "created_at",
            "id",
            postgresql_where=text("show_name"),
            sqlite_where=text("show_name"),
        ),
        # What the tally job has still to add to the hourly counts: small partial indexes,
        # empty once it has caught up, so finding the work never scans the table.
        Index(
            "ix_submissions_untallied",
            "id",
            postgresql_where=text("tallied = 0 AND fraudulent = false"),
            sqlite_where=text("tallied = 0 AND fraudulent = 0"),
        ),
        Index(
            "ix_submissions_confirmed_untallied",
            "id",
            postgresql_where=text("tallied = 1 AND confirmed_at IS NOT NULL"),
            sqlite_where=text("tallied = 1 AND confirmed_at IS NOT NULL"),
        ),
        # Fraudulent signatures, few, for the organizers' Integrity page.
        Index(
            "ix_submissions_fraudulent",
            "action_id",
            postgresql_where=text("fraudulent = true"),
            sqlite_where=text("fraudulent = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Filled by the Python default even in signing's INSERT … SELECT statements.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporters.id", ondelete="CASCADE"), index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    # The host of the page that sent the supporter to the action ("facebook.com"), never the
    # full address: a path or query can name a person or a private group.
    referrer: Mapped[str] = mapped_column(String(253), default="", server_default="")
    # Where the supporter works, asked only when the action's `asks_workplace` is set. Kept on
    # the submission, not the person: a worker changes jobs, and each action is a snapshot.
    employer: Mapped[str] = mapped_column(String(120), default="", server_default="")
    worksite: Mapped[str] = mapped_column(String(120), default="", server_default="")
    department: Mapped[str] = mapped_column(String(120), default="", server_default="")
    work_shift: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # The supporter's choice to appear in the public list as "Maria G., Oakland".
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the provider refused the confirmation for good (e.g. a mistyped domain).
    confirmation_error: Mapped[str | None] = mapped_column(String(500))
    # How far the counts include this submission: 0 not yet, 1 as a signature, 2 as a
    # signature and a confirmation (see `tracking.counts.tally`). Signing never touches the
    # counts itself, so a spike never queues on one hot counter row.
    tallied: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Over a rate limit, from a blocked address or domain, or invalidated by an organizer:
    # kept, never counted, not confirmable (docs/security.md, "Signature integrity").
    fraudulent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fraud_reason: Mapped[str | None] = mapped_column(String(40))
    # Set with `fraudulent` when only a rate limit caught it: held, not dropped. The person
    # still gets the confirmation email, and confirming releases it (counted, letters sent),
    # because a real mailbox answered (docs/security.md, "Held, not dropped").
    held_reason: Mapped[str | None] = mapped_column(String(40))
    # The address signed from, only as a keyed hash (core.ip), for limits and trends.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # The email's domain, lower case, for the per-domain limit and trends.
    email_domain: Mapped[str | None] = mapped_column(String(255))

    action: Mapped[Action] = relationship()
    supporter: Mapped[Supporter] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
