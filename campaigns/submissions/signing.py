"""Signing: one submission per person per action, counted once, confirmed by email.

This is the hot path of a viral petition, so it is written as a handful of statements in
one transaction: the person and the submission are each one `INSERT … ON CONFLICT`, which
also settles races between simultaneous requests in the database, and nothing is read
back after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import bindparam, select

from campaigns.database import new_uuid
from campaigns.extensions import db, queues
from campaigns.integrity import checks as integrity
from campaigns.integrity.checks import DisposableEmail, Verdict
from campaigns.models import Action, Campaign, CampaignStatus, Submission, utcnow
from campaigns.submissions import confirmation_mail, opt_ins, statements
from campaigns.submissions.action_refs import ActionRef
from campaigns.submissions.statements import ActionClosed
from campaigns.tracking import tally
from campaigns.webhooks import endpoints as webhooks

__all__ = ["ActionClosed", "DisposableEmail", "SignResult", "Signer", "Verdict", "sign"]

log = logging.getLogger(__name__)


@dataclass
class Signer:
    """What the sign form collects, already validated."""

    first_name: str
    last_name: str
    email: str
    postcode: str = ""
    city: str = ""
    comment: str = ""
    show_name: bool = False
    subscribe: bool = False
    source: str = ""
    # Host only (see tracking.sources.referrer_host), never a full address.
    referrer: str = ""
    locale: str = "en"
    # Where the person works; empty unless the action asks (Action.asks_workplace).
    employer: str = ""
    worksite: str = ""
    department: str = ""
    work_shift: str = ""
    # The address the request came from (request.remote_addr: behind TRUSTED_PROXIES, the
    # client's). Used for rate limits and lists, and stored only as a keyed hash.
    ip: str | None = None
    # The partner organizations whose boxes were ticked (partners.offers.chosen).
    partners: tuple[int, ...] = ()
    # Signed on an open sign-up table (integrity.tables): exempt from the address limits.
    at_table: bool = False


@dataclass
class SignResult:
    submission_id: int
    created: bool
    fraudulent: bool = False
    # Over a rate limit: kept for its confirmation, which releases it (Verdict.held).
    held: bool = False

    @property
    def submission(self) -> Submission:
        return db.session.get(Submission, self.submission_id)


def sign(
    action: Action | ActionRef,
    signer: Signer,
    on_created: Callable[[int, Verdict], Callable[[], None] | None] | None = None,
    now: datetime | None = None,
) -> SignResult:
    """Record `signer`'s signature on `action` and queue the confirmation email.

    Signing again with an alias of the same address is the same signature: nothing is
    counted twice, and an unconfirmed signer gets the confirmation email again.

    `on_created(submission_id, verdict)` writes what the action adds (letters, say) in the
    same transaction as the submission; what it returns is called after the commit.

    A signature over a rate limit or from a blocked address is stored as fraudulent: the
    supporter sees the usual thank-you, but it is never counted, mailed or confirmable.
    Raises DisposableEmail, writing nothing, for an address at a disposable-email provider.
    `now` is the clock the limits' windows are read on (tests pass their own).
    """
    if action.campaign_status != CampaignStatus.live:
        raise ActionClosed(action.slug)
    now = now or utcnow()
    submission_uuid = new_uuid()
    # What a new signature sets off (its confirmation email, the tally of the counts) goes to
    # Redis in the same round trip as the rate limits, before the write, keyed by the
    # submission's uuid: one round trip to Redis per signature. The jobs skip a uuid that was
    # never written (a repeat signature) or was marked fraudulent.
    pipe = queues.connection.pipeline(transaction=False)
    confirmation_mail.add_confirmation(pipe, submission_uuid, now)
    tally.mark_pending(pipe)
    verdict = integrity.check(
        action.organization_id,
        action.id,
        signer.ip,
        signer.email,
        now,
        count_hourly=on_created is not None,
        pipe=pipe,
        at_table=signer.at_table,
    )
    if verdict.fraudulent:
        # Nobody is subscribed to mail on the word of a request we do not believe.
        signer = replace(signer, subscribe=False)
    if signer.partners:
        # Opt-ins are rows of their own, written with a new submission (the rarer, several-
        # statement path); after the limits, which must not count this as a letter.
        on_created = opt_ins.with_opt_ins(
            on_created, action.campaign_id, signer.partners, signer.source
        )
    after_commit = None
    if on_created is None and statements.dialect() == "postgresql":
        submission_id, created, confirmed = statements.sign_in_one_statement(
            action, signer, now, verdict, submission_uuid
        )
    else:
        _check_live(action)
        supporter_id = statements.upsert_supporter(action.organization_id, signer, now)
        submission_id, created, confirmed = statements.insert_submission(
            action.id, supporter_id, signer, now, verdict, submission_uuid
        )
        if created and on_created is not None:
            after_commit = on_created(submission_id, verdict)
        db.session.commit()
    if after_commit is not None:
        after_commit()
    # The markers were set before the write whatever the verdict; their jobs skip what they
    # need not do (a fraudulent signature gets no email and adds nothing to the counts).
    _queue_follow_up(submission_id, created, confirmed, verdict)
    if created and not verdict.fraudulent:
        # Free without endpoints: the organizations that have any are cached in memory. A
        # fraudulent signature tells no webhook.
        webhooks.emit(
            action.organization_id, "submission.created", {"submission_id": submission_id}
        )
    return SignResult(
        submission_id, created, verdict.fraudulent and created, verdict.held and created
    )


def _queue_follow_up(submission_id: int, created: bool, confirmed: bool, verdict: Verdict) -> None:
    """Enqueue the jobs the follow-up sent with the rate limits asked for, or send what a
    repeat signature needs: a second confirmation email when the first is not confirmed.

    Nothing here may fail the signature, which is committed: the confirmation sweep and the
    periodic tally pick up what a Redis outage drops.
    """
    if not created and not confirmed and not verdict.fraudulent:
        confirmation_mail.queue_confirmation(submission_id, resend=True)
    queued = verdict.queued
    if not queued:
        return  # Redis was unreachable: the sweep and the periodic tally will do it
    # Whoever set a marker enqueues its job, a repeat signature too: the marker stands until
    # the job runs, so a new signature that did not set it counts on this one.
    _, drain_needed, tally_needed = queued
    try:
        if drain_needed:
            confirmation_mail.enqueue_drain()
        if tally_needed:
            tally.enqueue_tally()
    except RedisError:
        log.exception("could not queue the follow-up of submission %s", submission_id)


_CAMPAIGN_STATUS = (
    select(Campaign.status)
    .join(Action, Action.campaign_id == Campaign.id)
    .where(Action.id == bindparam("action_id"))
)


def _check_live(action: Action | ActionRef) -> None:
    """`action` may come from a cache: the campaign's status is read again in the transaction."""
    if db.session.execute(_CAMPAIGN_STATUS, {"action_id": action.id}).scalar() != (
        CampaignStatus.live
    ):
        raise ActionClosed(action.slug)
