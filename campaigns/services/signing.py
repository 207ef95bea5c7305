"""Signing a petition: one signature per person per action, counted once, confirmed by email."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaigns.extensions import db
from campaigns.models import Action, CampaignStatus, Submission, Supporter, utcnow
from campaigns.services import counts
from campaigns.services.emails import canonical_email


class ActionClosed(Exception):
    """The action's campaign is not live: nothing can be signed."""


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
    locale: str = "en"


@dataclass
class SignResult:
    submission: Submission
    created: bool


def sign(
    action: Action,
    signer: Signer,
    on_created: Callable[[Submission], Callable[[], None] | None] | None = None,
) -> SignResult:
    """Record `signer`'s signature on `action` and queue the confirmation email.

    Signing again with an alias of the same address is the same signature: nothing is
    counted twice, and an unconfirmed signer gets the confirmation email again.

    `on_created(submission)` writes what the action adds (letters, say) in the same
    transaction as the submission; what it returns is called after the commit.
    """
    if action.campaign.status != CampaignStatus.live:
        raise ActionClosed(action.slug)
    supporter = _find_or_create_supporter(action.campaign.organization_id, signer)
    submission, created = _find_or_create_submission(action, supporter, signer)
    after_commit = None
    if created:
        if on_created is not None:
            after_commit = on_created(submission)
        counts.record(action.id, signed=1, at=submission.created_at)
    db.session.commit()
    if after_commit is not None:
        after_commit()

    if created or submission.confirmed_at is None:
        from campaigns.jobs.mail import queue_confirmation

        queue_confirmation(submission.id, resend=not created)
    return SignResult(submission, created)


def _find_or_create_supporter(organization_id: int, signer: Signer) -> Supporter:
    key = canonical_email(signer.email)
    query = select(Supporter).where(
        Supporter.organization_id == organization_id, Supporter.email_key == key
    )
    supporter = db.session.scalars(query).first()
    if supporter is None:
        supporter = Supporter(organization_id=organization_id, email_key=key)
        try:
            # A savepoint: when a concurrent request inserted the same person first, the
            # unique constraint fires and we load theirs instead.
            with db.session.begin_nested():
                _apply_signer(supporter, signer)
                db.session.add(supporter)
        except IntegrityError:
            supporter = db.session.scalars(query).one()
            _apply_signer(supporter, signer)
    else:
        _apply_signer(supporter, signer)
    return supporter


def _apply_signer(supporter: Supporter, signer: Signer) -> None:
    """The newest details win, as Action Network updates a person on each action."""
    supporter.email = signer.email.strip()
    supporter.first_name = signer.first_name
    supporter.last_name = signer.last_name
    if signer.postcode:
        supporter.postcode = signer.postcode
    if signer.city:
        supporter.city = signer.city
    supporter.locale = signer.locale
    # Ticking the box subscribes; leaving it empty never unsubscribes someone who opted in.
    if signer.subscribe and not supporter.subscribed:
        supporter.subscribed = True
        supporter.subscribed_at = utcnow()
        supporter.unsubscribed_at = None


def _find_or_create_submission(
    action: Action, supporter: Supporter, signer: Signer
) -> tuple[Submission, bool]:
    query = select(Submission).where(
        Submission.action_id == action.id, Submission.supporter_id == supporter.id
    )
    existing = db.session.scalars(query).first() if supporter.id else None
    if existing is not None:
        return existing, False
    submission = Submission(
        action_id=action.id,
        comment=signer.comment,
        source=signer.source,
        show_name=signer.show_name,
        locale=signer.locale,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            submission.supporter = supporter
            db.session.add(submission)
    except IntegrityError:
        return db.session.scalars(query).one(), False
    return submission, True
