"""Erasing a person on request: their supporter row, submissions, letters and tags, and the
copies of their mail in the outbox, in one transaction that also takes them out of the
counts, so a campaign's totals stay exact."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from campaigns.core import audit
from campaigns.extensions import db
from campaigns.models import (
    ActionHourlyCount,
    Message,
    OptIn,
    Organization,
    OutboxEmail,
    ProviderEvent,
    Submission,
    Supporter,
    Tagging,
    User,
)
from campaigns.tracking.counts import hour_of


def erase(
    organization: Organization, supporter_id: int, actor: User | None, audited: bool = True
) -> dict:
    """Remove the person everywhere; returns what was removed, in numbers only.

    The submissions are deleted with RETURNING their `tallied` mark, and exactly what the
    tally had added for each is subtracted from the hourly buckets. On PostgreSQL a tally
    running at the same moment either flips a submission before the DELETE (which then waits
    for its row lock and returns the new mark) or finds it gone: never counted twice, never
    left in the counts.
    """
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None or supporter.organization_id != organization.id:
        raise LookupError("no such supporter")
    email = supporter.email
    submission_ids = select(Submission.id).where(Submission.supporter_id == supporter.id)
    messages = db.session.execute(
        select(Message.id, Message.provider_message_id).where(
            Message.submission_id.in_(submission_ids)
        )
    ).all()
    message_ids = [m.id for m in messages]
    provider_ids = [m.provider_message_id for m in messages if m.provider_message_id]
    if message_ids:
        db.session.execute(
            update(ProviderEvent)
            .where(ProviderEvent.message_id.in_(message_ids))
            .values(message_id=None)
        )
        db.session.execute(delete(Message).where(Message.id.in_(message_ids)))
    # The outbox backend keeps copies of mail: confirmations to the person, and their letters
    # to targets (found by the provider id the letter recorded).
    outbox = db.session.execute(
        delete(OutboxEmail).where(
            OutboxEmail.organization_id == organization.id,
            or_(
                OutboxEmail.to_address == email,
                OutboxEmail.to_address.like(f"%<{email}>"),
                OutboxEmail.message_id.in_(provider_ids),
            ),
        )
    ).rowcount
    removed = db.session.execute(
        delete(Submission)
        .where(Submission.supporter_id == supporter.id)
        .returning(
            Submission.action_id,
            Submission.created_at,
            Submission.confirmed_at,
            Submission.tallied,
        )
    ).all()
    _uncount(removed)
    # Their consents to partners go with them. What a partner already received is the
    # partner's own record now, erased on a request to the partner (docs/decisions.md).
    db.session.execute(delete(OptIn).where(OptIn.supporter_id == supporter.id))
    db.session.execute(
        update(OptIn)
        .where(OptIn.partner_supporter_id == supporter.id)
        .values(partner_supporter_id=None)
    )
    db.session.execute(delete(Tagging).where(Tagging.supporter_id == supporter.id))
    db.session.execute(delete(Supporter).where(Supporter.id == supporter.id))
    summary = {"submissions": len(removed), "messages": len(message_ids), "outbox": outbox}
    # The event names the erasure, never the person. The retention job records one event
    # for all the people it erases instead (`audited=False`).
    if audited:
        audit.record(
            "supporter_erased",
            organization=organization,
            actor=actor,
            subject=f"Supporter {supporter_id}",
            details=summary,
        )
    db.session.commit()
    return summary


def _uncount(removed: list) -> None:
    """Subtract from the buckets what the tally had added for each removed submission."""
    signed: Counter[tuple[int, datetime]] = Counter()
    confirmed: Counter[tuple[int, datetime]] = Counter()
    for action_id, created_at, confirmed_at, tallied in removed:
        if tallied >= 1:
            signed[(action_id, hour_of(created_at))] += 1
        if tallied >= 2:
            confirmed[(action_id, hour_of(confirmed_at))] += 1
    for (action_id, hour), n in signed.items():
        _subtract(action_id, hour, signed=n)
    for (action_id, hour), n in confirmed.items():
        _subtract(action_id, hour, confirmed=n)


def _subtract(action_id: int, hour: datetime, signed: int = 0, confirmed: int = 0) -> None:
    db.session.execute(
        update(ActionHourlyCount)
        .where(ActionHourlyCount.action_id == action_id, ActionHourlyCount.hour == hour)
        .values(
            signed=ActionHourlyCount.signed - signed,
            confirmed=ActionHourlyCount.confirmed - confirmed,
        )
    )
