"""What organizers do about signature integrity: the trends the trending job flags, bulk
invalidation and restoring of signatures with the counts kept right, and the owners'
settings and lists. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app
from sqlalchemy import and_, func, select, update

from campaigns.core import audit
from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.models import (
    Action,
    Campaign,
    CampaignStatus,
    ListEntry,
    ListKind,
    ListName,
    Organization,
    RateLimit,
    Submission,
    Trend,
    TrendStatus,
    User,
    utcnow,
)
from campaigns.tracking import counts

TREND_WINDOW = timedelta(hours=1)
RECENT_FRAUDULENT = 100


class ListEntryError(ValueError):
    """The entry cannot be added as typed; the message says why."""


# --- The trending job -------------------------------------------------------------------


def flag_trends(now: datetime | None = None) -> int:
    """Flag every address (hash) and email domain with more signatures in the last hour on
    one live action than its organization's RateLimit allows; returns how many trends were
    opened or brought up to date.

    One grouped query per live action and kind, each reading an hour of that action's
    submissions through the (action, created_at) index. An open trend for the same action
    and value is updated rather than doubled; an invalidated or dismissed one is left alone
    and a new one opens if the surge goes on.
    """
    now = now or utcnow()
    since = now - TREND_WINDOW
    live = db.session.execute(
        select(Action.id, Campaign.organization_id)
        .join(Campaign, Campaign.id == Action.campaign_id)
        .where(Campaign.status == CampaignStatus.live)
    ).all()
    flagged = 0
    for action_id, organization_id in live:
        found = integrity.policy(organization_id)
        limits = found.limits
        for kind, column, threshold in (
            ("ip", Submission.ip_hash, limits.trending_ip_per_hour),
            ("domain", Submission.email_domain, limits.trending_domain_per_hour),
        ):
            if not threshold:
                continue
            rows = db.session.execute(
                select(column, func.count())
                .where(
                    Submission.action_id == action_id,
                    Submission.created_at >= since,
                    Submission.fraudulent.is_(False),
                    column.is_not(None),
                )
                .group_by(column)
                .having(func.count() > threshold)
            ).all()
            for value, n in rows:
                if kind == "domain" and (
                    integrity.matches_domain(value, found.allowed_domains)
                    or integrity.matches_domain(value, found.allowed_list_domains)
                ):
                    continue  # thousands of real people share gmail.com
                _open_or_update(action_id, kind, value, n, now)
                flagged += 1
    db.session.commit()
    return flagged


def _open_or_update(action_id: int, kind: str, value: str, n: int, now: datetime) -> None:
    trend = db.session.scalars(
        select(Trend).where(
            Trend.action_id == action_id,
            Trend.kind == kind,
            Trend.value == value,
            Trend.status == TrendStatus.open,
        )
    ).first()
    if trend is None:
        db.session.add(
            Trend(
                action_id=action_id,
                kind=kind,
                value=value,
                count=n,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    else:
        trend.count = max(trend.count, n)
        trend.last_seen_at = now


def forget_addresses(now: datetime | None = None) -> int:
    """Clear `ip_hash` on submissions older than IP_HASH_RETENTION_DAYS; returns how many.

    Limits and trends need an hour of them; keeping them a while longer lets an organizer
    look into a trend, and no longer: supporters' addresses are not ours to keep.
    """
    days = current_app.config["IP_HASH_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        update(Submission)
        .where(Submission.created_at < cutoff, Submission.ip_hash.is_not(None))
        .values(ip_hash=None)
    )
    db.session.commit()
    return result.rowcount


# --- Reading, for the Integrity page ---------------------------------------------------


def trend_of(org: Organization, trend_id: int) -> Trend:
    trend = db.session.get(Trend, trend_id)
    if trend is None:
        abort(404)
    action = db.session.get(Action, trend.action_id)
    if action.campaign.organization_id != org.id:
        abort(404)
    return trend


@dataclass
class ActionIntegrity:
    action: Action
    trends: list[Trend]
    fraudulent_by_reason: dict[str, int]
    recent_fraudulent: list[Submission]

    @property
    def fraudulent(self) -> int:
        return sum(self.fraudulent_by_reason.values())


def report(campaign: Campaign) -> list[ActionIntegrity]:
    result = []
    for action in campaign.actions:
        trends = list(
            db.session.scalars(
                select(Trend)
                .where(Trend.action_id == action.id)
                .order_by((Trend.status == TrendStatus.open).desc(), Trend.last_seen_at.desc())
                .limit(50)
            )
        )
        by_reason = dict(
            db.session.execute(
                select(Submission.fraud_reason, func.count())
                .where(Submission.action_id == action.id, Submission.fraudulent.is_(True))
                .group_by(Submission.fraud_reason)
            ).all()
        )
        recent = list(
            db.session.scalars(
                select(Submission)
                .where(Submission.action_id == action.id, Submission.fraudulent.is_(True))
                .order_by(Submission.created_at.desc(), Submission.id.desc())
                .limit(RECENT_FRAUDULENT)
            )
        )
        result.append(ActionIntegrity(action, trends, by_reason, recent))
    return result


# --- Invalidating and restoring ---------------------------------------------------------


def _trend_match(trend: Trend):
    column = Submission.ip_hash if trend.kind == "ip" else Submission.email_domain
    return and_(
        Submission.action_id == trend.action_id,
        column == trend.value,
        Submission.created_at >= trend.first_seen_at - TREND_WINDOW,
    )


def invalidate_trend(org: Organization, trend: Trend, actor: User) -> int:
    """Mark the trend's signatures fraudulent (those from its hour before it was first seen
    on), take them out of the counts, and record it; one transaction. Returns how many."""
    n = counts.uncount(_trend_match(trend))
    trend.status = TrendStatus.invalidated
    trend.resolved_at = utcnow()
    trend.resolved_by_id = actor.id
    trend.invalidated = n
    audit.record(
        "signatures_invalidated",
        organization=org,
        actor=actor,
        subject=f"{n} signature(s) from {trend.label}",
        details={"action_id": trend.action_id, "trend_id": trend.id, "count": n},
    )
    db.session.commit()
    return n


def dismiss_trend(org: Organization, trend: Trend, actor: User) -> None:
    trend.status = TrendStatus.dismissed
    trend.resolved_at = utcnow()
    trend.resolved_by_id = actor.id
    audit.record(
        "trend_dismissed",
        organization=org,
        actor=actor,
        subject=trend.label,
        details={"action_id": trend.action_id, "trend_id": trend.id},
    )
    db.session.commit()


def restore(
    org: Organization,
    action: Action,
    actor: User,
    submission_ids: list[int] | None = None,
    reason: str | None = None,
) -> int:
    """Count fraudulent signatures of `action` again: those in `submission_ids`, or all of
    them (of one `reason`, when given). Counts are added back in the same transaction."""
    where = Submission.action_id == action.id
    if submission_ids is not None:
        where = and_(where, Submission.id.in_(submission_ids))
    if reason:
        where = and_(where, Submission.fraud_reason == reason)
    n = counts.recount(where)
    audit.record(
        "signatures_restored",
        organization=org,
        actor=actor,
        subject=f"{n} signature(s) on {action.slug}",
        details={
            "action_id": action.id,
            "count": n,
            "submission_ids": (submission_ids or [])[:100],
            "reason": reason or "",
        },
    )
    db.session.commit()
    return n


# --- Owners' settings and lists ---------------------------------------------------------

LIMIT_FIELDS = (
    "burst_limit",
    "burst_seconds",
    "sustained_limit",
    "sustained_seconds",
    "domain_limit",
    "domain_seconds",
    "allowed_domains",
    "trending_ip_per_hour",
    "trending_domain_per_hour",
    "letters_per_ip_per_hour",
)


def save_limits(org: Organization, actor: User, values: dict) -> RateLimit:
    row = integrity.limits_of(org.id)
    before = {name: getattr(row, name) for name in LIMIT_FIELDS}
    for name in LIMIT_FIELDS:
        if name in values:
            setattr(row, name, values[name])
    row.updated_at = utcnow()
    changed = {
        name: {"from": before[name], "to": getattr(row, name)}
        for name in LIMIT_FIELDS
        if before[name] != getattr(row, name)
    }
    audit.record("rate_limits_changed", organization=org, actor=actor, details=changed)
    db.session.commit()
    integrity.forget(org.id)
    return row


def entries_of(org: Organization) -> list[ListEntry]:
    return list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.organization_id == org.id)
            .order_by(ListEntry.kind, ListEntry.list_name, ListEntry.value)
        )
    )


def normalize_entry(kind: ListKind, value: str) -> str:
    value = value.strip().lower()
    if kind == ListKind.ip:
        try:
            return str(integrity.parse_network(value))
        except ValueError:
            raise ListEntryError(
                "Enter an address (203.0.113.7) or a network (203.0.113.0/24)."
            ) from None
    value = value.removeprefix("@")
    if "." not in value or " " in value or "@" in value or len(value) > 253:
        raise ListEntryError("Enter a domain, like example.org.")
    return value


def add_entry(
    org: Organization, actor: User, kind: ListKind, list_name: ListName, value: str, note: str = ""
) -> ListEntry:
    value = normalize_entry(kind, value)
    exists = db.session.scalar(
        select(ListEntry.id).where(
            ListEntry.organization_id == org.id,
            ListEntry.kind == kind,
            ListEntry.list_name == list_name,
            ListEntry.value == value,
        )
    )
    if exists:
        raise ListEntryError(f"{value} is on that list already.")
    entry = ListEntry(
        organization_id=org.id,
        kind=kind,
        list_name=list_name,
        value=value,
        note=note.strip()[:200],
        created_by_id=actor.id,
    )
    db.session.add(entry)
    audit.record(
        "list_entry_added",
        organization=org,
        actor=actor,
        subject=f"{list_name.value} {kind.value} {value}",
    )
    db.session.commit()
    integrity.forget(org.id)
    return entry


def remove_entry(org: Organization, actor: User, entry_id: int) -> None:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or entry.organization_id != org.id:
        abort(404)
    audit.record(
        "list_entry_removed",
        organization=org,
        actor=actor,
        subject=f"{entry.list_name.value} {entry.kind.value} {entry.value}",
    )
    db.session.delete(entry)
    db.session.commit()
    integrity.forget(org.id)
