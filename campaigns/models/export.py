from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.user import User


class ExportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    # The file was deleted by the cleanup job; the row stays as the record of the export.
    expired = "expired"


class Export(db.Model):
    """A supporter list written to a CSV file by a job: who asked, which filters and
    columns, how far it got, and until when it can be downloaded."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ExportStatus] = mapped_column(
        Enum(ExportStatus, native_enum=False, length=20), default=ExportStatus.queued
    )
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    # A random name inside EXPORT_FOLDER, never a path given by a person.
    filename: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    requested_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.done:
            return 100
        if not self.rows_total:
            return 0
        return min(100, 100 * self.rows_done // self.rows_total)
