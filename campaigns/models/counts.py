from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime
from campaigns.extensions import db


class ActionHourlyCount(db.Model):
    """Submissions and confirmations of one action in one clock hour (UTC).

    Totals and "last 24 hours" are sums over these rows, so a page view reads at most a few
    thousand small rows instead of counting every submission.
    """

    __tablename__ = "action_hourly_counts"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
