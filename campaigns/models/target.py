from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class Channel(enum.StrEnum):
    """How a letter reaches a target (letters.channels decides which applies)."""

    email = "email"
    # Communicating with Congress: the chambers' XML delivery for advocacy vendors.
    cwc_house = "cwc_house"
    cwc_senate = "cwc_senate"
    # No way to deliver: supporters are shown the phone and web form instead.
    none = "none"


class Target(db.Model):
    """Someone a letter goes to: an employer's CEO, a council member, a legislator."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    # Members of Congress publish no address: they are written to through CWC instead.
    email: Mapped[str | None] = mapped_column(String(254))
    # A member of Congress's CWC office code (HCA12, SCA03), set by the legislators import.
    office_code: Mapped[str | None] = mapped_column(String(8))
    # The organizer's choice of channel; None derives it from the data (`declared_channel`).
    channel: Mapped[str | None] = mapped_column(String(16))
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

    @property
    def declared_channel(self) -> Channel:
        """The channel the target's own data gives: the organizer's choice, else CWC for an
        office code, email for an address, none otherwise. Whether it can be used now (keys,
        the chambers' office lists) is letters.channels' question."""
        if self.channel:
            return Channel(self.channel)
        if self.office_code:
            return Channel.cwc_house if self.office_code[0] == "H" else Channel.cwc_senate
        return Channel.email if self.email else Channel.none

    def __repr__(self) -> str:
        return f"<Target {self.id} {self.name}>"


class ActionTarget(db.Model):
    """A fixed target of a letter action."""

    __tablename__ = "action_targets"
    __table_args__ = (UniqueConstraint("action_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
