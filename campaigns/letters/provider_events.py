"""Delivery events from SendGrid: each stored once, and applied to the letter it is about.

SendGrid posts events in batches, in no guaranteed order, and posts a batch again whenever
our answer was not a 2xx. So:

- An event is stored once per `sg_event_id`, enforced by the unique constraint on
  `provider_events` (each insert runs in a savepoint, so a concurrent post of the same event
  loses on the constraint and is skipped rather than failing the batch).
- A message only ever moves forward, in this order:

      sending, sent  <  delivered  <  bounced, dropped

  `delivered` moves a message that is sending or sent; `bounce` and `dropped` move one that
  is sending, sent or delivered (a bounce can come after the receiving server first accepted
  the mail). A late `processed` or `delivered` never revives a bounced letter, and between
  bounced and dropped the first to arrive stays. Held, queued and failed messages are never
  moved: held and queued ones are not with the provider (any event for them is about an
  earlier hand-over), and failed ones were refused by the API itself.
- Every other event (processed, deferred, open, click, spam reports, ...) is recorded only.

A permanent bounce sends the letter to the action's fallback target, once per submission.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from campaigns.extensions import db
from campaigns.letters import delivery
from campaigns.models import (
    Action,
    Campaign,
    LetterSettings,
    Message,
    MessageStatus,
    ProviderEvent,
    utcnow,
)
from campaigns.webhooks import endpoints as webhooks

PROVIDER = "sendgrid"

# The status each event moves a message to; events not listed change nothing.
TRANSITIONS = {
    # Accepted by SendGrid: settles a letter whose send timed out (MessageStatus.unknown).
    "processed": MessageStatus.sent,
    "delivered": MessageStatus.delivered,
    "bounce": MessageStatus.bounced,
    "dropped": MessageStatus.dropped,
}

# Only messages in one of these states move, and only to a higher rank.
RANK = {
    MessageStatus.unknown: -1,
    MessageStatus.sending: 0,
    MessageStatus.sent: 0,
    MessageStatus.delivered: 1,
    MessageStatus.bounced: 2,
    MessageStatus.dropped: 2,
}
MOVES_FROM = {
    status: frozenset(s for s, rank in RANK.items() if rank < RANK[status])
    for status in TRANSITIONS.values()
}

# Integer columns on PostgreSQL; a larger id in a custom arg would fail the query.
MAX_ID = 2**31 - 1


def record_events(events: Iterable) -> dict[str, int]:
    """Store and apply a batch of SendGrid events in one transaction; returns a tally.

    The tally counts events by outcome: `applied` (moved a message), `recorded` (about one
    of our letters, status unchanged), `unmatched` (no letter of ours), `duplicate` and
    `invalid`; `fallbacks` counts letters queued to a fallback target.
    """
    tally: Counter[str] = Counter()
    fallback_ids: list[int] = []
    moved: list[tuple[Message, MessageStatus]] = []
    for event in events:
        tally[_record(event, fallback_ids, moved)] += 1
    db.session.commit()
    _emit_webhooks(moved)
    if fallback_ids:
        delivery.queue_letters(fallback_ids)
    tally["fallbacks"] = len(fallback_ids)
    return dict(tally)


def _emit_webhooks(moved: list[tuple[Message, MessageStatus]]) -> None:
    """message.delivered and message.bounced to the organizations' webhooks, once committed."""

    events = {
        MessageStatus.delivered: "message.delivered",
        MessageStatus.bounced: "message.bounced",
    }
    moved = [(m, events[s]) for m, s in moved if s in events]
    if not moved or not webhooks.anyone_listens():
        return
    action_ids = {m.action_id for m, _ in moved}
    organization_of = dict(
        db.session.execute(
            select(Action.id, Campaign.organization_id)
            .join(Campaign, Campaign.id == Action.campaign_id)
            .where(Action.id.in_(action_ids))
        ).all()
    )
    for message, event in moved:
        webhooks.emit(organization_of[message.action_id], event, {"message_id": message.id})


def _record(event, fallback_ids: list[int], moved: list | None = None) -> str:
    if not isinstance(event, dict):
        return "invalid"
    event_id = _text(event.get("sg_event_id"))
    if not event_id:
        return "invalid"
    name = _text(event.get("event"))
    reason = _reason(event, name)
    message = find_message(event)
    try:
        with db.session.begin_nested():
            db.session.add(
                ProviderEvent(
                    provider=PROVIDER,
                    event_id=event_id[:100],
                    event=name[:40],
                    message_id=message.id if message else None,
                    reason=reason,
                    occurred_at=_occurred_at(event.get("timestamp")),
                )
            )
    except IntegrityError:
        return "duplicate"
    if message is None:
        return "unmatched"
    status = TRANSITIONS.get(name)
    if status is None or not _move(message, status, reason):
        return "recorded"
    if moved is not None:
        moved.append((message, status))
    if status == MessageStatus.bounced:
        fallback_id = _write_fallback(message)
        if fallback_id is not None:
            fallback_ids.append(fallback_id)
    return "applied"


def find_message(event: dict) -> Message | None:
    """The letter an event is about, or None when it is not one of ours.

    Letters carry their id as the `message_id` custom arg, which SendGrid puts at the top
    level of each event. Without it, the `sg_message_id` (our stored X-Message-Id followed by
    a per-recipient suffix) and the recipient's address identify the letter.
    """
    sg_message_id = _text(event.get("sg_message_id"))
    if "message_id" in event:
        message_id = _id(event["message_id"])
        message = db.session.get(Message, message_id) if message_id else None
        if message is None or not _same_send(message, sg_message_id):
            return None
        return message
    if "submission_id" in event:
        return None  # a confirmation email to a supporter, not a letter
    if not sg_message_id:
        return None
    # X-Message-Id is a leading run of the dot-separated parts; each candidate hits the index.
    parts = sg_message_id.split(".")
    candidates = [".".join(parts[:n]) for n in range(1, min(len(parts), 8) + 1)]
    found = list(
        db.session.scalars(select(Message).where(Message.provider_message_id.in_(candidates)))
    )
    if len(found) > 1:
        # One API call carries many letters; the recipient tells them apart.
        email = _text(event.get("email")).strip().casefold()
        found = [m for m in found if m.to_email.strip().casefold() == email]
    return found[0] if len(found) == 1 else None


def _same_send(message: Message, sg_message_id: str) -> bool:
    """Whether the event comes from the call that sent `message`.

    Another installation on the same SendGrid account (a staging copy, say) numbers its own
    letters from 1 too; its events must not bounce ours.
    """
    if not message.provider_message_id or not sg_message_id:
        return True
    return sg_message_id.startswith(message.provider_message_id)


def _move(message: Message, status: MessageStatus, reason: str) -> bool:
    """Move `message` to `status` if that is forward; one conditional UPDATE, so concurrent
    events and workers cannot interleave a backwards step."""
    values: dict = {"status": status, "updated_at": utcnow()}
    if status == MessageStatus.sent:
        values["sent_at"] = values["updated_at"]
        values["last_error"] = None
    if status in (MessageStatus.bounced, MessageStatus.dropped):
        values["last_error"] = (reason or status.value)[:1000]
    moved = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status.in_(MOVES_FROM[status]))
        .values(**values)
        .returning(Message.id)
    ).first()
    return moved is not None


def _write_fallback(bounced: Message) -> int | None:
    """Queue the bounced letter, as written, to the action's fallback target.

    The unique (submission, target) constraint makes this happen at most once per
    submission, also when several of its letters bounce or the bounce is posted twice.
    """
    settings = db.session.get(LetterSettings, bounced.action_id)
    target = settings.fallback_target if settings else None
    if target is None or target.id == bounced.target_id or not target.can_be_emailed:
        return None
    now = utcnow()
    letter = Message(
        action_id=bounced.action_id,
        submission_id=bounced.submission_id,
        target_id=target.id,
        status=MessageStatus.queued,
        to_email=target.email,
        to_name=target.name,
        from_name=bounced.from_name,
        reply_to=bounced.reply_to,
        subject=bounced.subject,
        body=bounced.body,
        created_at=now,
        due_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(letter)
    except IntegrityError:
        return None
    return letter.id


def _reason(event: dict, name: str) -> str:
    reason = _text(event.get("reason") or event.get("response")).strip()
    if name == "bounce" and event.get("type") == "blocked":
        reason = f"blocked: {reason}" if reason else "blocked"
    return reason[:1000]


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _id(value) -> int | None:
    text = _text(value).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _occurred_at(value) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
