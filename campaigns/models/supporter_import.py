from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db
from campaigns.models.user import User


class ImportStatus(enum.StrEnum):
    # Uploaded and checked; waiting for staff to map the columns.
    uploaded = "uploaded"
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class SupporterImport(db.Model):
    """A CSV of supporters uploaded by staff: where the people came from, whether they
    agreed to hear from the organization, how the columns map, and how it went."""

    __tablename__ = "supporter_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    original_name: Mapped[str] = mapped_column(String(200))
    # A random name inside the imports folder; deleted once the import has run.
    filename: Mapped[str | None] = mapped_column(String(80))
    # Where the people came from ("sign-up sheets, March rally"), recorded with the import.
    source: Mapped[str] = mapped_column(String(200))
    # The people on the list agreed to hear from the organization.
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    # Field chosen for each column, by position ("" to ignore it).
    mapping: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=20), default=ImportStatus.uploaded
    )
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    # [{"line": 7, "column": "Email", "message": "..."}], the first ERRORS_KEPT of them.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.done:
            return 100
        return 100 * self.rows_done // self.rows_total if self.rows_total else 0
