"""Delivering letters to Congress through CWC: one document per letter and office.

Each letter goes through the same states as an email (letters.states). What differs:

- The DeliveryId is derived from the message id, so every try of one letter carries the
  same one. A chamber that accepted it once recognizes the repeat (the Senate answers 409,
  the House names the duplicate), which counts as delivered. That is what makes a timeout
  or a worker killed mid-send safe to try again: the chamber, not luck, prevents a second
  delivery.
- Sends are paced by each chamber's rate (congress.pacing), shared by all workers; a letter
  due in the Senate's maintenance window waits for its end; a refused key pauses the
  chamber and its letters wait, the organizer told why.
- A 400 is permanent: the letter fails with the chamber's `<Error>` texts. 5xx, 429,
  timeouts and lost connections retry with back-off.
- An office no longer on its chamber's list is never sent to: the letter fails with that
  reason, and supporters see the office's phone and web form instead.
- The supporter's postal address is deleted once none of their letters to Congress is
  still on its way.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, select, update

from campaigns.congress import client, documents, office_lists, pacing
from campaigns.congress.offices import chamber_of
from campaigns.extensions import db
from campaigns.letters import states
from campaigns.letters.channels import CWC_CHANNELS, NOT_LISTED, REASONS
from campaigns.models import (
    Action,
    Channel,
    ConstituentAddress,
    LetterSettings,
    Message,
    MessageStatus,
    Submission,
    Supporter,
    Target,
    utcnow,
)

log = logging.getLogger(__name__)

# Letters claimed at once: each is still sent (and its outcome committed) on its own.
CLAIM_SIZE = 50
# A Library of Congress topic for a letter whose organizer chose none.
DEFAULT_TOPIC = "Labor and Employment"
# Letters that still need the supporter's address: on their way, or failed and perhaps to be
# retried (letters.recovery deletes addresses past ADDRESS_KEEP_DAYS regardless).
UNSETTLED = (
    MessageStatus.held,
    MessageStatus.review,
    MessageStatus.queued,
    MessageStatus.sending,
    MessageStatus.unknown,
    MessageStatus.bundled,
    MessageStatus.failed,
)
ADDRESS_KEEP_DAYS = 30


def deliver(message_ids: list[int], now=None) -> dict[str, int]:
    """Send the queued CWC letters among `message_ids`; returns a tally by outcome. `now`
    is the clock of the maintenance windows (tests pass their own)."""
    rows = db.session.execute(
        select(Message.id, Message.channel).where(
            Message.id.in_(message_ids), Message.status == MessageStatus.queued
        )
    ).all()
    db.session.rollback()
    by_chamber: dict[str, list[int]] = defaultdict(list)
    for message_id, channel in rows:
        by_chamber[CWC_CHANNELS.get(Channel(channel), "")].append(message_id)
    tally: dict[str, int] = defaultdict(int)
    # Paced sends are slow by design (5 a second): a job stops before RQ's timeout would
    # kill it mid-send, and queues what is left as a job of its own.
    deadline = time.monotonic() + current_app.config["JOB_TIMEOUT"] / 2
    for chamber, ids in by_chamber.items():
        if not chamber:
            tally["failed"] += _fail_unroutable(ids)
            continue
        outcomes = _deliver_chamber(chamber, sorted(ids), now or utcnow(), deadline)
        for outcome, n in outcomes.items():
            tally[outcome] += n
    return dict(tally)


def _deliver_chamber(chamber: str, ids: list[int], now, deadline: float) -> dict[str, int]:
    paused = pacing.paused(chamber)
    if paused:
        return _defer(ids, pacing.pause_left(chamber), f"waiting: {paused}")
    ends = pacing.maintenance_ends(chamber, now)
    if ends is not None:
        return _defer(ids, ends - now, f"waiting for the {chamber}'s CWC maintenance to end")
    tally: dict[str, int] = defaultdict(int)
    for start in range(0, len(ids), CLAIM_SIZE):
        later = ids[start + CLAIM_SIZE :]
        messages = states.claim(ids[start : start + CLAIM_SIZE])
        context = _Context(messages)
        for index, message in enumerate(messages):
            stop = "requeued" if time.monotonic() > deadline else None
            if stop is None:
                stop = _send(chamber, message, context)
                if stop != "paused":
                    tally[stop] += 1
                    continue
            rest = [m.id for m in messages[index:]] + later
            states.release(messages[index:])
            if stop == "paused":
                tally["deferred"] += _defer(rest, pacing.pause_left(chamber), "").get("deferred", 0)
            else:
                states.queue_letters(rest)
                tally["requeued"] += len(rest)
            _forget_addresses(context.submission_ids)
            return dict(tally)
        _forget_addresses(context.submission_ids)
    return dict(tally)


class _Context:
    """What the documents of one claimed chunk need, read once."""

    def __init__(self, messages: list[Message]) -> None:
        self.submission_ids = {m.submission_id for m in messages}
        self.addresses = {
            a.submission_id: a
            for a in db.session.scalars(
                select(ConstituentAddress).where(
                    ConstituentAddress.submission_id.in_(self.submission_ids)
                )
            )
        }
        self.people = dict(
            db.session.execute(
                select(Submission.id, Supporter)
                .join(Supporter, Supporter.id == Submission.supporter_id)
                .where(Submission.id.in_(self.submission_ids))
            ).all()
        )
        self.offices = dict(
            db.session.execute(
                select(Target.id, Target.office_code).where(
                    Target.id.in_({m.target_id for m in messages})
                )
            ).all()
        )
        self._letters: dict[int, tuple] = {}
        config = current_app.config
        agent_name = config["CWC_DELIVERY_AGENT"] or "campaigns"
        self.agent = documents.Agent(
            name=agent_name,
            ack_email=config["CWC_DELIVERY_AGENT_EMAIL"],
            contact_name=config["CWC_DELIVERY_AGENT_CONTACT_NAME"],
            contact_email=config["CWC_DELIVERY_AGENT_EMAIL"],
            contact_phone=config["CWC_DELIVERY_AGENT_CONTACT_PHONE"],
        )

    def action(self, action_id: int) -> tuple:
        """(settings, sender) of a letter action."""
        if action_id not in self._letters:
            action = db.session.get(Action, action_id)
            settings = db.session.get(LetterSettings, action_id) or LetterSettings()
            organization = action.campaign.organization
            sender = documents.Sender(
                name=organization.name,
                contact_name=organization.name,
                contact_email=self.agent.contact_email,
                contact_phone=self.agent.contact_phone,
            )
            self._letters[action_id] = (settings, sender)
        return self._letters[action_id]


def letter_for(message: Message, settings: LetterSettings, agent: str, office: str):
    topics = tuple(t.strip() for t in settings.topics.splitlines() if t.strip())
    return documents.Letter(
        delivery_id=documents.delivery_id(agent, message.id),
        campaign_id=documents.campaign_id(agent, message.action_id),
        office=office,
        subject=message.subject,
        topics=topics or (DEFAULT_TOPIC,),
        constituent_message=message.body,
        bills=parse_bills(settings.bills),
        pro_or_con=settings.stance or "",
        delivered_on=utcnow().date(),
    )


def parse_bills(text: str) -> tuple[documents.Bill, ...]:
    """Bills written one a line as "hr 1234 119" (type, number, congress); others skipped
    (the organizer's form checks them: letters.admin)."""
    bills = []
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            bills.append(documents.Bill(int(parts[2]), parts[0].lower(), int(parts[1])))
    return tuple(bills)


def _send(chamber: str, message: Message, context: _Context) -> str:
    office = context.offices.get(message.target_id) or ""
    if not office or chamber_of(office) != chamber:
        states.fail([message], "the target has no CWC office code of this chamber")
        return "failed"
    if not office_lists.is_listed(office):
        message.channel = Channel.none
        states.fail([message], REASONS[NOT_LISTED])
        return "failed"
    address = context.addresses.get(message.submission_id)
    person = context.people.get(message.submission_id)
    if address is None or person is None:
        states.fail([message], "the supporter's postal address is no longer kept")
        return "failed"
    settings, sender = context.action(message.action_id)
    letter = letter_for(message, settings, context.agent.name, office)
    constituent = documents.Constituent(
        prefix=address.prefix,
        first_name=person.first_name,
        last_name=person.last_name,
        address1=address.address1,
        address2=address.address2,
        city=address.city,
        state=address.state,
        zip=address.zip,
        email=person.email,
        phone=address.phone,
    )
    try:
        document = documents.build(letter, constituent, context.agent, sender)
    except documents.DocumentError as exc:
        states.fail([message], f"not sent: {exc}")
        return "failed"
    pacing.take_slot(chamber)
    try:
        client.deliver(office, document)
    except client.Rejected as exc:
        if _is_repeat(exc.errors, letter.delivery_id):
            return _delivered(message, letter.delivery_id)
        states.fail([message], f"the {chamber} refused it: {exc}")
        return "failed"
    except client.KeyRefused as exc:
        pacing.pause(chamber, str(exc))
        log.error("CWC paused for the %s: %s", chamber, exc)
        return "paused"
    except client.Unavailable as exc:
        outcome = states.retry_later([message], str(exc), None)
        return "retrying" if outcome.get("retrying") else "failed"
    except client.NotConfigured as exc:
        states.fail([message], str(exc))
        return "failed"
    return _delivered(message, letter.delivery_id)


def _is_repeat(errors: list[str], delivery_id: str) -> bool:
    """The House's answer to a DeliveryId it accepted before: a 400 naming the duplicate."""
    return any("duplicate" in e.lower() and delivery_id in e for e in errors)


def _delivered(message: Message, delivery_id: str) -> str:
    # The chamber accepted it into the office's system: no later event will say more.
    states.mark_sent([message], [delivery_id], status=MessageStatus.delivered)
    return "delivered"


def _defer(ids: list[int], wait: timedelta, reason: str) -> dict[str, int]:
    """Letters that cannot go now wait, without a try counted, and are queued for then."""
    if not ids:
        return {}
    now = utcnow()
    values = {"due_at": now + wait, "updated_at": now}
    if reason:
        values["last_error"] = reason[:1000]
    db.session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.status == MessageStatus.queued)
        .values(**values)
    )
    db.session.commit()
    states.queue_letters(ids, delay=wait)
    return {"deferred": len(ids)}


def _fail_unroutable(ids: list[int]) -> int:
    messages = list(db.session.scalars(select(Message).where(Message.id.in_(ids))))
    for message in messages:
        message.status = MessageStatus.failed
        message.last_error = "this letter has no channel it can be delivered by"
    db.session.commit()
    return len(messages)


def _forget_addresses(submission_ids: set[int]) -> None:
    """Delete the addresses none of whose letters to Congress is still on its way."""
    if not submission_ids:
        return
    pending = exists().where(
        Message.submission_id == ConstituentAddress.submission_id,
        Message.channel.in_([c.value for c in CWC_CHANNELS]),
        Message.status.in_(UNSETTLED),
    )
    db.session.execute(
        delete(ConstituentAddress).where(
            ConstituentAddress.submission_id.in_(submission_ids), ~pending
        )
    )
    db.session.commit()
