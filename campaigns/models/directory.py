from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class Directory(db.Model):
    """A set of targets found by postcode: e.g. the US Congress, a city council by ward."""

    __tablename__ = "directories"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostcodeDistrict(db.Model):
    """One postcode lying (partly) in one district of a directory; a zip can have several."""

    __tablename__ = "postcode_districts"
    __table_args__ = (
        UniqueConstraint("directory_id", "postcode", "district"),
        Index("ix_postcode_districts_lookup", "directory_id", "postcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    directory_id: Mapped[int] = mapped_column(ForeignKey("directories.id", ondelete="CASCADE"))
    postcode: Mapped[str] = mapped_column(String(16))
    # e.g. "CA-12" for a House district; a state-wide seat's targets carry "CA".
    district: Mapped[str] = mapped_column(String(32))
