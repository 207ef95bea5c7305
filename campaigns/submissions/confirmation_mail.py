"""Sending confirmation emails: the pending list signing fills, the send, and the sweep."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from redis.client import Pipeline
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, or_, select, update

from campaigns import mail
from campaigns.extensions import db, queues
from campaigns.models import Submission, utcnow
from campaigns.queues import RETRY_INTERVALS, enqueue
from campaigns.submissions.emails import confirmation_email

log = logging.getLogger(__name__)

# A confirmation not sent this long after signing was lost on the way to Redis (or Redis lost
# it); the sweep sends it. Older than the horizon, the moment has passed.
SWEEP_GRACE = timedelta(minutes=10)
SWEEP_HORIZON = timedelta(days=2)


# Signing adds the new submission's uuid to this list, in the round trip to Redis it makes
# for the rate limits anyway and before it writes the submission, instead of enqueueing one
# RQ job per signature (a job costs the signing request several times what a list push
# does); one `send_pending` job drains it. "A drain job is waiting" is the marker,
# which expires on its own so a lost job delays the emails at most that long.
PENDING_KEY = "campaigns:confirmations-pending"
MARKER_KEY = "campaigns:confirmations-queued"
MARKER_SECONDS = 60
DRAIN_CHUNK = 100
# A uuid not in the database yet may belong to a signature still being written: it is looked
# for again a few seconds later, for this long. After that it was never written (a repeat
# signature keeps the first one's row, a request may fail).
UNWRITTEN_GRACE = timedelta(seconds=60)
RECHECK_DELAY = timedelta(seconds=5)


def add_confirmation(pipe: Pipeline, submission_uuid: str, at: datetime) -> None:
    """Add a signature's first confirmation to `pipe`, before the submission is written.
    The last reply is true when the caller must enqueue the drain job (`enqueue_drain`)."""
    pipe.rpush(PENDING_KEY, f"{submission_uuid} {int(at.timestamp())}")
    pipe.set(MARKER_KEY, "1", nx=True, ex=MARKER_SECONDS)


def enqueue_drain(delay: timedelta | None = None) -> None:
    enqueue(
        "campaigns.submissions.tasks.send_confirmations", queue="mail", retry=False, delay=delay
    )


def pending_uuids() -> set[str]:
    """The uuids of the submissions whose first confirmation waits in the list."""
    return {raw.split(b" ", 1)[0].decode() for raw in queues.connection.lrange(PENDING_KEY, 0, -1)}


def queue_confirmation(
    submission_id: int, resend: bool = False, delay: timedelta | None = None
) -> None:
    """One job for one confirmation: a resend, a retry, or one the sweep found unsent."""
    # A fixed job id for first sends lets the sweep see a job that is still waiting.
    job_id = None if resend else f"confirm-{submission_id}"
    enqueue(
        "campaigns.submissions.tasks.send_confirmation",
        submission_id,
        resend,
        queue="mail",
        job_id=job_id,
        delay=delay,
    )


def send_pending() -> int:
    """Send the first confirmations signing has added to the pending list; returns how many
    were sent.

    A temporary failure hands that one email to a job of its own with the queue's back-off,
    and the rest go on. A uuid not written yet goes back to the list and is looked for again
    shortly. If the worker dies mid-chunk, the entries it had taken are not lost for good:
    the sweep finds their submissions unsent.
    """
    connection = queues.connection
    connection.delete(MARKER_KEY)
    sent = 0
    later: list[bytes] = []
    now = utcnow().timestamp()
    while chunk := connection.lpop(PENDING_KEY, DRAIN_CHUNK):
        entries = {}
        for raw in chunk:
            uuid, _, at = raw.decode().partition(" ")
            entries[uuid] = (raw, float(at or 0))
        found = dict(
            db.session.execute(
                select(Submission.uuid, Submission.id).where(Submission.uuid.in_(entries))
            ).all()
        )
        db.session.rollback()
        for uuid, (raw, at) in entries.items():
            submission_id = found.get(uuid)
            if submission_id is None:
                if now - at < UNWRITTEN_GRACE.total_seconds():
                    later.append(raw)
                continue
            try:
                if send_confirmation(submission_id) is not None:
                    sent += 1
            except mail.TemporaryMailError as exc:
                db.session.rollback()
                log.warning("confirmation %s will be retried: %s", submission_id, exc)
                queue_confirmation(
                    submission_id, delay=timedelta(seconds=RETRY_INTERVALS["mail"][0])
                )
    if later:
        connection.rpush(PENDING_KEY, *later)
        enqueue_drain(delay=RECHECK_DELAY)
    return sent


def send_confirmation(submission_id: int, resend: bool = False) -> str | None:
    """Send the confirmation email for a signature; returns the provider's message id."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.confirmed_at is not None:
        return None  # erased or confirmed meanwhile: nothing to ask for
    if submission.fraudulent and not submission.held_reason:
        return None  # invalidated meanwhile: its address may be a victim's, typed by a bot
    if submission.confirmation_sent_at is not None and not resend:
        return None  # a retried or swept job whose email already went out
    if submission.held_reason and _over_held_cap(submission):
        # Held confirmations are capped per address, so the platform cannot be used to mail
        # strangers in bulk; past the cap the submission waits for an organizer.
        submission.confirmation_error = "held: over the hourly cap of confirmations"
        db.session.commit()
        return None
    try:
        message_id = mail.send(confirmation_email(submission))
    except mail.PermanentMailError as exc:
        # Retrying cannot help (a rejected address): record why, and the sweep leaves it be.
        log.warning("confirmation for submission %s failed: %s", submission_id, exc)
        submission.confirmation_error = str(exc)[:500]
        db.session.commit()
        return None
    # mail.TemporaryMailError propagates: RQ retries the job with the queue's back-off.
    db.session.execute(
        update(Submission)
        .where(Submission.id == submission_id)
        .values(confirmation_sent_at=utcnow())
    )
    db.session.commit()
    return message_id


def _over_held_cap(submission: Submission) -> bool:
    """Whether this address already had HELD_CONFIRMATIONS_PER_HOUR held confirmations sent
    within the hour."""
    if not submission.ip_hash:
        return False
    cap = current_app.config["HELD_CONFIRMATIONS_PER_HOUR"]
    sent = db.session.scalar(
        select(func.count()).where(
            Submission.ip_hash == submission.ip_hash,
            Submission.held_reason.is_not(None),
            Submission.confirmation_sent_at >= utcnow() - timedelta(hours=1),
        )
    )
    return sent >= cap


def sweep() -> int:
    """Re-queue confirmations that never went out; returns how many were queued."""
    now = utcnow()
    waiting = db.session.execute(
        select(Submission.id, Submission.uuid).where(
            Submission.confirmation_sent_at.is_(None),
            Submission.confirmed_at.is_(None),
            Submission.confirmation_error.is_(None),
            or_(Submission.fraudulent.is_(False), Submission.held_reason.is_not(None)),
            Submission.created_at < now - SWEEP_GRACE,
            Submission.created_at > now - SWEEP_HORIZON,
        )
    ).all()
    pending = pending_uuids()
    queued = 0
    for submission_id, submission_uuid in waiting:
        if submission_uuid in pending:
            continue
        try:
            status = Job.fetch(
                f"confirm-{submission_id}", connection=queues.connection
            ).get_status()
        except NoSuchJobError:
            status = None
        if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            continue
        queue_confirmation(submission_id)
        queued += 1
    return queued
