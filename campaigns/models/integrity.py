"""Signature integrity: an organization's rate limits, its block and allow lists, and the
trends the trending job flags for organizers (docs/security.md, "Signature integrity")."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.database import UTCDateTime, utcnow
from campaigns.extensions import db

# The big webmail providers: thousands of real people share each of these, so a limit per
# email domain would only ever stop real supporters there.
DEFAULT_ALLOWED_DOMAINS = "\n".join(
    (
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
    )
)


class RateLimit(db.Model):
    """How many signatures an organization accepts before it marks them fraudulent.

    As on the UK Parliament petitions site (alphagov/e-petitions `RateLimit`), a signature
    over a limit is not refused: it is stored, marked, and left out of the counts. One row
    per organization, made with the defaults the first time it is read.
    """

    __tablename__ = "rate_limits"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # Per address per action: a short burst window and a longer sustained one.
    burst_limit: Mapped[int] = mapped_column(Integer, default=1)
    burst_seconds: Mapped[int] = mapped_column(Integer, default=60)
    sustained_limit: Mapped[int] = mapped_column(Integer, default=5)
    sustained_seconds: Mapped[int] = mapped_column(Integer, default=300)
    # Per email domain per action, except the domains in `allowed_domains`.
    domain_limit: Mapped[int] = mapped_column(Integer, default=50)
    domain_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    allowed_domains: Mapped[str] = mapped_column(Text, default=DEFAULT_ALLOWED_DOMAINS)
    # The trending job flags more signatures than this in an hour on one action.
    trending_ip_per_hour: Mapped[int] = mapped_column(Integer, default=20)
    trending_domain_per_hour: Mapped[int] = mapped_column(Integer, default=100)
    # Letters from one address on one action in an hour beyond this wait for review.
    letters_per_ip_per_hour: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def allowed_domain_set(self) -> frozenset[str]:
        return frozenset(
            d.strip().lower() for d in (self.allowed_domains or "").splitlines() if d.strip()
        )


class ListKind(enum.StrEnum):
    ip = "ip"  # an address or a network (CIDR)
    domain = "domain"  # an email domain
    disposable = "disposable"  # a disposable-email domain, beside the shipped list


class ListName(enum.StrEnum):
    block = "block"
    allow = "allow"


class ListEntry(db.Model):
    """One entry of an organization's block or allow list."""

    __tablename__ = "integrity_list_entries"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "list_name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ListKind] = mapped_column(Enum(ListKind, native_enum=False, length=16))
    list_name: Mapped[ListName] = mapped_column(Enum(ListName, native_enum=False, length=8))
    value: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrendStatus(enum.StrEnum):
    open = "open"
    invalidated = "invalidated"
    dismissed = "dismissed"


class Trend(db.Model):
    """Many signatures from one address (hash) or one email domain on one action within an
    hour, flagged by the trending job for an organizer to look at."""

    __tablename__ = "trends"
    __table_args__ = (Index("ix_trends_action_status", "action_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "ip" (value is a hash) or "domain"
    value: Mapped[str] = mapped_column(String(255))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[TrendStatus] = mapped_column(
        Enum(TrendStatus, native_enum=False, length=16), default=TrendStatus.open
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # How many signatures the organizer's invalidation marked.
    invalidated: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"address {self.value[:12]}…" if self.kind == "ip" else f"domain {self.value}"
