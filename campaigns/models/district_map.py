"""The boundaries of a directory's districts, kept ready to draw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db


class DistrictMap(db.Model):
    """One directory's district boundaries, uploaded as GeoJSON and stored as SVG paths.

    The file is projected and simplified once, on upload (directories.boundaries), so drawing
    the map is string formatting: one row per directory, replaced wholesale by the next
    upload. `shapes` is `[[district, path], …]` in the file's order, each path an SVG `d`
    in a `0 0 width height` viewBox.
    """

    __tablename__ = "district_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory_id: Mapped[int] = mapped_column(
        ForeignKey("directories.id", ondelete="CASCADE"), unique=True
    )
    # The feature property that held the district code (e.g. "district", "GEOID").
    key_property: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    shapes: Mapped[list] = mapped_column(JSON, default=list)
    # Points kept after simplification, and how many the file had.
    points: Mapped[int] = mapped_column(Integer, default=0)
    source_points: Mapped[int] = mapped_column(Integer, default=0)
    # SHA-256 of the shapes: what each web process keys its parsed copy by.
    digest: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
