from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, new_uuid, utcnow
from campaigns.extensions import db
from campaigns.models.campaign import Campaign


class ActionKind(enum.StrEnum):
    petition = "petition"
    letter = "letter"
    pledge = "pledge"
    event = "event"
    story = "story"


class Action(db.Model):
    """One thing a supporter does inside a campaign; public at /a/<slug>."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActionKind] = mapped_column(Enum(ActionKind, native_enum=False, length=20))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    goal: Mapped[int | None] = mapped_column(Integer)
    # When true only confirmed signatures count toward the public total.
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=True)
    show_recent_signers: Mapped[bool] = mapped_column(Boolean, default=True)
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    # The picture shown when the action is shared (Open Graph): a file name in the instance
    # folder's uploads, uploaded by an organizer; empty for none.
    share_image: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # A union organizes by workplace, not by postcode (the OSDI draft's employer/worksite
    # model): when set, the form asks for employer, worksite, department and shift.
    asks_workplace: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An event's own time zone (a picket in another city); None: its organization's.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="actions")
    translations: Mapped[list[ActionTranslation]] = relationship(
        back_populates="action", cascade="all, delete-orphan"
    )

    @property
    def organization_id(self) -> int:
        return self.campaign.organization_id

    @property
    def campaign_status(self):
        return self.campaign.status

    def content(self, locale: str | None = None) -> ActionTranslation | None:
        """The title and text in `locale` (default: the request's), else the default language."""
        wanted = locale or str(get_locale() or self.default_locale)
        by_locale = {t.locale: t for t in self.translations}
        return (
            by_locale.get(wanted)
            or by_locale.get(self.default_locale)
            or next(iter(by_locale.values()), None)
        )

    @property
    def title(self) -> str:
        content = self.content()
        return content.title if content else self.slug

    def __repr__(self) -> str:
        return f"<Action {self.kind} {self.slug}>"


class ActionTranslation(db.Model):
    """An action's title and text in one language."""

    __tablename__ = "action_translations"
    __table_args__ = (UniqueConstraint("action_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    action: Mapped[Action] = relationship(back_populates="translations")
