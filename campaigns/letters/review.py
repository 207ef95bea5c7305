"""An organizer's decision on letters held for review (compose.hold_reason): let them go,
or refuse them. Held letters are counted and shown on the Delivery page, never dropped."""

from __future__ import annotations

from sqlalchemy import select, update

from campaigns.extensions import db
from campaigns.letters import delivery
from campaigns.models import Action, Message, MessageStatus, Submission, utcnow


def release_reviewed(action_id: int, message_ids: list[int] | None = None) -> int:
    """An organizer lets held-for-review letters go: to the queue, or on to wait for the
    supporter's confirmation where that is still missing."""
    query = select(Message).where(
        Message.action_id == action_id, Message.status == MessageStatus.review
    )
    if message_ids is not None:
        query = query.where(Message.id.in_(message_ids))
    now, queued, released = utcnow(), [], 0
    for message in db.session.scalars(query):
        released += 1
        submission = db.session.get(Submission, message.submission_id)
        waiting = message_requires_confirmation(message) and submission.confirmed_at is None
        message.status = MessageStatus.held if waiting else MessageStatus.queued
        message.due_at = now
        if not waiting:
            queued.append(message.id)
    db.session.commit()
    if queued:
        delivery.queue_letters(queued)
    return released


def reject_reviewed(action_id: int, message_ids: list[int] | None = None) -> int:
    """An organizer refuses held letters; they stay on record as rejected."""
    query = (
        update(Message)
        .where(Message.action_id == action_id, Message.status == MessageStatus.review)
        .values(status=MessageStatus.rejected, updated_at=utcnow())
    )
    if message_ids is not None:
        query = query.where(Message.id.in_(message_ids))
    n = db.session.execute(query).rowcount
    db.session.commit()
    return n


def message_requires_confirmation(message: Message) -> bool:
    return db.session.get(Action, message.action_id).requires_confirmation
