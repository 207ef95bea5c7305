"""Delivering letters to targets: queue, claim, send in batches, retry with back-off.

Every message is in exactly one state. A batch is claimed (`queued -> sending`, one atomic
UPDATE that only matches rows still queued) right before its API call, so two workers never
send the same message, and a message is `sending` only while its request is in flight.
A request that goes out and is never answered leaves its messages `unknown`: they are not
sent again blindly but wait for the provider's events (docs/queue.md, "Unknown outcomes").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update

from campaigns import mail
from campaigns.extensions import db, queues
from campaigns.letters import congress_delivery, states
from campaigns.letters.states import JOB_SIZE, back_off, queue_letters
from campaigns.models import Action, Channel, LetterSettings, Message, MessageStatus, utcnow
from campaigns.queues import enqueue

log = logging.getLogger(__name__)

# Messages per provider call; SendGrid takes up to 1,000 personalizations.
BATCH_SIZE = 500
__all__ = [
    "back_off",
    "deliver_action",
    "deliver_messages",
    "queue_action_letters",
    "queue_letters",
]


def _pending_key(action_id: int) -> str:
    return f"campaigns:letters-pending:{action_id}"


def queue_action_letters(action_id: int) -> None:
    """Make sure a job will send the action's due letters, without one job per supporter.

    A marker in Redis says "a delivery job for this action is waiting". Only the request that
    sets it enqueues; the job clears it before it reads the queued letters. So a letter
    committed while the marker stands is read by that job, and one committed after the job
    cleared it sets the marker again and gets a job of its own. If Redis is unreachable the
    sweep sends the letters.
    """
    try:
        if queues.connection.set(_pending_key(action_id), "1", nx=True, ex=300):
            enqueue("campaigns.letters.tasks.deliver_action", action_id, queue="mail", retry=False)
    except RedisError:
        log.exception("could not queue delivery for action %s; the sweep will", action_id)


def deliver_action(action_id: int) -> dict[str, int]:
    """Send every due, queued letter of the action (see `queue_action_letters`)."""
    queues.connection.delete(_pending_key(action_id))
    tally: dict[str, int] = defaultdict(int)
    after = 0  # pages by id, so a letter that stays queued (a retry) is not read again
    while True:
        ids = list(
            db.session.scalars(
                select(Message.id)
                .where(
                    Message.action_id == action_id,
                    Message.status == MessageStatus.queued,
                    Message.due_at <= utcnow() + timedelta(seconds=1),
                    Message.id > after,
                )
                .order_by(Message.id)
                .limit(JOB_SIZE)
            )
        )
        db.session.rollback()
        if not ids:
            return dict(tally)
        after = ids[-1]
        for outcome, n in deliver_messages(ids).items():
            tally[outcome] += n


def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """Send the due, queued messages among `message_ids`; returns a tally by outcome."""
    now = utcnow()
    rows = db.session.execute(
        select(
            Message.id,
            Message.action_id,
            Message.target_id,
            Message.subject,
            Message.body,
            Message.reply_to,
            Message.channel,
        )
        .where(
            Message.id.in_(message_ids),
            Message.status == MessageStatus.queued,
            Message.due_at <= now + timedelta(seconds=1),
        )
        .order_by(Message.id)
    ).all()
    db.session.rollback()  # end the read; each batch below is its own transaction
    tally: dict[str, int] = defaultdict(int)
    rows, postponed = _within_hourly_caps(rows, now)
    if postponed:
        tally["postponed"] = postponed
    # Letters to Congress go one document per office, through CWC.
    to_congress = [r.id for r in rows if r.channel != Channel.email]
    if to_congress:
        for outcome, n in congress_delivery.deliver(to_congress).items():
            tally[outcome] += n
    # Letters that read the same (and answer to the same person) share one API call.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for message_id, action_id, _target_id, *key, channel in rows:
        if channel == Channel.email:
            groups[(action_id, *key)].append(message_id)
    for ids in groups.values():
        for start in range(0, len(ids), BATCH_SIZE):
            for outcome, n in _deliver_batch(ids[start : start + BATCH_SIZE]).items():
                tally[outcome] += n
    return dict(tally)


def _within_hourly_caps(rows, now) -> tuple[list, int]:
    """Keep the rows their action's per-target hourly cap allows. The rest wait for the next
    clock hour, or, where the organizer chose the digest, are bundled for the daily digest.
    Returns (rows to send now, how many were held back).

    The count lives in Redis (INCRBY is atomic), so workers running side by side never let
    more than the cap through between them.
    """
    caps = {
        action_id: (cap, mode)
        for action_id, cap, mode in db.session.execute(
            select(
                LetterSettings.action_id,
                LetterSettings.hourly_cap_per_target,
                LetterSettings.over_cap,
            ).where(
                LetterSettings.action_id.in_({r.action_id for r in rows}),
                LetterSettings.hourly_cap_per_target.is_not(None),
            )
        )
    }
    db.session.rollback()
    if not caps:
        return rows, 0
    by_pair: dict[tuple[int, int], list] = defaultdict(list)
    for row in rows:
        by_pair[(row.action_id, row.target_id)].append(row)
    hour = now.replace(minute=0, second=0, microsecond=0)
    redis = queues.connection
    keep, later, bundled = [], [], []
    for (action_id, target_id), pair_rows in by_pair.items():
        if action_id not in caps:
            keep += pair_rows
            continue
        cap, mode = caps[action_id]
        key = f"campaigns:letter-cap:{action_id}:{target_id}:{hour:%Y%m%d%H}"
        wanted = len(pair_rows)
        used_before = redis.incrby(key, wanted) - wanted
        redis.expire(key, 2 * 3600)
        allowed = max(0, min(wanted, cap - used_before))
        if allowed < wanted:
            redis.decrby(key, wanted - allowed)  # give back what this job will not use
        keep += pair_rows[:allowed]
        held = [r.id for r in pair_rows[allowed:]]
        (bundled if mode == "digest" else later).extend(held)
    if bundled:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(bundled), Message.status == MessageStatus.queued)
            .values(status=MessageStatus.bundled, updated_at=now)
        )
    if later:
        next_hour = hour + timedelta(hours=1)
        db.session.execute(
            update(Message)
            .where(Message.id.in_(later), Message.status == MessageStatus.queued)
            .values(due_at=next_hour, updated_at=now)
        )
    db.session.commit()
    if later:
        states.queue_letters(later, delay=next_hour - now)
    return keep, len(later) + len(bundled)


def _deliver_batch(ids: list[int]) -> dict[str, int]:
    messages = states.claim(ids)
    if not messages:
        return {}
    # A batch is one action's (see deliver_messages), so one organization's.
    organization_id = db.session.get(Action, messages[0].action_id).campaign.organization_id
    emails = [
        mail.EmailMessage(
            to=m.to_email,
            to_name=m.to_name,
            from_name=m.from_name,
            reply_to=m.reply_to,
            subject=m.subject,
            text=m.body,
            tracking={"message_id": str(m.id)},
            organization_id=organization_id,
        )
        for m in messages
    ]
    try:
        provider_ids = mail.send_batch(emails)
    except mail.UnknownOutcomeMailError as exc:
        return _await_events(messages, str(exc))
    except mail.TemporaryMailError as exc:
        return states.retry_later(messages, str(exc), exc.retry_after)
    except mail.PermanentMailError as exc:
        if len(messages) > 1:
            # One bad address must not sink the others: send them one at a time.
            states.release(messages)
            tally: dict[str, int] = defaultdict(int)
            for m in messages:
                for outcome, n in _deliver_batch([m.id]).items():
                    tally[outcome] += n
            return dict(tally)
        return states.fail(messages, str(exc))
    return states.mark_sent(messages, provider_ids)


def _await_events(messages: list[Message], reason: str) -> dict[str, int]:
    """The provider may have taken these: sending them again could deliver them twice. They
    wait, `unknown`, for its events (which carry each letter's id) to say what happened."""
    now = utcnow()
    for message in messages:
        message.status = MessageStatus.unknown
        message.last_error = f"{reason}; waiting for SendGrid to report whether it went out"[:1000]
        message.updated_at = now
    db.session.commit()
    log.warning("%d letters in an unanswered call: %s", len(messages), reason)
    return {"unknown": len(messages)}
