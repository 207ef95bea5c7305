"""Confirming a signature from the link in its email.

Corporate link scanners (Outlook Safe Links, Proofpoint) open every link in a message before
the person does, so opening the link only shows a page; its button (a POST) confirms.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, update

from campaigns.core import tokens
from campaigns.extensions import db
from campaigns.models import Submission, utcnow
from campaigns.submissions import signals
from campaigns.tracking import counts, tally
from campaigns.webhooks import endpoints as webhooks


def confirmation_token(submission: Submission) -> str:
    return tokens.make(tokens.CONFIRM, submission.id)


def submission_for_token(token: str) -> Submission | None:
    """The submission a confirmation link names, or None if the link is bad or expired."""
    max_age = current_app.config["CONFIRMATION_MAX_AGE_DAYS"] * 24 * 3600
    try:
        submission_id = tokens.read(tokens.CONFIRM, token, max_age)
    except tokens.InvalidToken:
        return None
    return db.session.get(Submission, submission_id)


def confirm(submission: Submission) -> bool:
    """Mark the submission confirmed; True if this call confirmed it, False if already done
    or if the submission is fraudulent (its link cannot make it count).

    A held submission (over a rate limit) is released by its confirmation: a real mailbox
    answered, so it is counted from now on, in the same transaction.

    A conditional UPDATE makes it count once even when two clicks race.
    """
    now = utcnow()
    result = db.session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.confirmed_at.is_(None),
            or_(Submission.fraudulent.is_(False), Submission.held_reason.is_not(None)),
        )
        .values(confirmed_at=now)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    released = bool(submission.held_reason)
    if released:
        counts.recount(Submission.id == submission.id)
    db.session.commit()
    db.session.refresh(submission)
    tally.queue_tally()
    if released:
        webhooks.emit(
            submission.action.organization_id,
            "submission.created",
            {"submission_id": submission.id},
        )
    # Letters written in this supporter's name were waiting for exactly this, and so were the
    # partners this person opted in to: only now do they get them (`signals.confirmed`).
    signals.confirmed.send(submission.id)
    webhooks.emit(
        submission.action.organization_id, "submission.confirmed", {"submission_id": submission.id}
    )
    return True
