from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.extensions import db
from campaigns.models.target import Target


class LetterSettings(db.Model):
    """How a letter action behaves: who it goes to, what supporters may change."""

    __tablename__ = "letter_settings"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    # Whether supporters may edit the subject and body before sending.
    editable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Receives the letter when no other target can be emailed.
    fallback_target_id: Mapped[int | None] = mapped_column(
        ForeignKey("targets.id", ondelete="SET NULL")
    )
    # Targets looked up by the supporter's postcode in this directory, besides fixed ones.
    directory_id: Mapped[int | None] = mapped_column(
        ForeignKey("directories.id", ondelete="SET NULL")
    )
    # When a postcode spans several districts: write to all of them, or let the supporter pick.
    write_to_all_districts: Mapped[bool] = mapped_column(Boolean, default=False)
    # At most this many letters reach one target in a clock hour; the rest wait their turn.
    hourly_cap_per_target: Mapped[int | None] = mapped_column(Integer)
    # What happens to letters over the cap: "wait" for the next hour, or "digest": bundled
    # into one daily email per target ("37 constituents wrote today").
    over_cap: Mapped[str] = mapped_column(String(10), default="wait")
    # One person writes to one target at most this many times a day, across all actions.
    daily_limit_per_target: Mapped[int] = mapped_column(Integer, default=1)
    # Edited letters containing any of these words (one a line) wait for an organizer.
    screen_words: Mapped[str] = mapped_column(Text, default="")
    # Tries before a letter is marked failed.
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)

    # For letters to Congress (CWC): Library of Congress topics, one a line; bills, one a line
    # as "hr 1234 119" (type, number, congress); the letter's stance on them, pro or con.
    topics: Mapped[str] = mapped_column(Text, default="", server_default="")
    bills: Mapped[str] = mapped_column(Text, default="", server_default="")
    stance: Mapped[str] = mapped_column(String(3), default="", server_default="")
    # What supporters say on the phone to a target no letter can reach.
    call_script: Mapped[str] = mapped_column(Text, default="", server_default="")

    fallback_target: Mapped[Target | None] = relationship()


class LetterTemplate(db.Model):
    """The letter's subject and body in one language, with merge fields like {target_name}."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("action_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
