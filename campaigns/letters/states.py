"""The steps of the letter state machine every channel shares (see `delivery`).

queued -> sending (claimed by one worker, a request in flight) -> sent or delivered, or back
to queued after a back-off, or failed with its reason. Each step is one conditional UPDATE or
a commit of claimed rows, so two workers never move one message at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update

from campaigns.extensions import db
from campaigns.models import LetterSettings, Message, MessageStatus, utcnow
from campaigns.queues import enqueue

log = logging.getLogger(__name__)

# Messages per job: a job is short, and a killed job strands little.
JOB_SIZE = 2000
# Seconds to wait before try number n+1 when the provider gave no hint.
BACK_OFF = [30, 120, 600, 1800, 3600]


def queue_letters(message_ids: list[int], delay: timedelta | None = None) -> None:
    for start in range(0, len(message_ids), JOB_SIZE):
        chunk = message_ids[start : start + JOB_SIZE]
        # Retries are per message (below), not per job: a job never re-runs a whole batch.
        enqueue(
            "campaigns.letters.tasks.deliver_messages",
            chunk,
            queue="mail",
            delay=delay,
            retry=False,
        )


def claim(ids: list[int]) -> list[Message]:
    now = utcnow()
    claimed = list(
        db.session.scalars(
            update(Message)
            .where(Message.id.in_(ids), Message.status == MessageStatus.queued)
            .values(
                status=MessageStatus.sending,
                claimed_at=now,
                attempts=Message.attempts + 1,
                updated_at=now,
            )
            .returning(Message.id)
        )
    )
    db.session.commit()
    if not claimed:
        return []
    return list(db.session.scalars(select(Message).where(Message.id.in_(claimed))))


def mark_sent(
    messages: list[Message],
    provider_ids: list[str],
    status: MessageStatus = MessageStatus.sent,
) -> dict[str, int]:
    now = utcnow()
    by_provider_id: dict[str, list[int]] = defaultdict(list)
    for message, provider_id in zip(messages, provider_ids, strict=True):
        by_provider_id[provider_id].append(message.id)
    # One statement per provider id (a SendGrid batch shares one). Conditional: a delivery
    # event may already have moved a message on.
    for provider_id, ids in by_provider_id.items():
        db.session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == MessageStatus.sending)
            .values(
                status=status,
                provider_message_id=provider_id or None,
                sent_at=now,
                last_error=None,
                updated_at=now,
            )
        )
    db.session.commit()
    return {status.value: len(messages)}


def release(messages: list[Message]) -> None:
    """Give claimed messages back to the queue without counting a try."""
    for message in messages:
        message.status = MessageStatus.queued
        message.attempts -= 1
    db.session.commit()


def fail(messages: list[Message], reason: str) -> dict[str, int]:
    for message in messages:
        message.status = MessageStatus.failed
        message.last_error = reason[:1000]
    db.session.commit()
    log.warning("%d letters failed: %s", len(messages), reason)
    return {"failed": len(messages)}


def back_off(attempts: int, hint: float | None = None) -> timedelta:
    """The wait before the next try: the provider's hint when given, else our schedule."""
    planned = BACK_OFF[min(attempts, len(BACK_OFF)) - 1]
    return timedelta(seconds=max(planned, hint or 0))


def retry_later(messages: list[Message], reason: str, hint: float | None) -> dict[str, int]:
    now = utcnow()
    limits = {
        s.action_id: s.max_attempts
        for s in db.session.scalars(
            select(LetterSettings).where(
                LetterSettings.action_id.in_({m.action_id for m in messages})
            )
        )
    }
    retry: dict[timedelta, list[int]] = defaultdict(list)
    failed = 0
    for message in messages:
        message.last_error = reason[:1000]
        if message.attempts >= limits.get(message.action_id, 6):
            message.status = MessageStatus.failed
            failed += 1
            continue
        wait = back_off(message.attempts, hint)
        message.status = MessageStatus.queued
        message.due_at = now + wait
        retry[wait].append(message.id)
    db.session.commit()
    for wait, ids in retry.items():
        queue_letters(ids, delay=wait)
    requeued = sum(len(ids) for ids in retry.values())
    return {"retrying": requeued, "failed": failed}
