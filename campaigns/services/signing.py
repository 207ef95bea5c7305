"""Signing: one submission per person per action, counted once, confirmed by email.

This is the hot path of a viral petition, so it is written as a handful of statements in
one transaction: the person and the submission are each one `INSERT … ON CONFLICT`, which
also settles races between simultaneous requests in the database, and nothing is read
back after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, bindparam, case, not_, or_, select

from campaigns.database import dialect_insert
from campaigns.extensions import db
from campaigns.models import Action, CampaignStatus, Submission, Supporter, utcnow
from campaigns.services import counts
from campaigns.services.actions import ActionRef
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
    submission_id: int
    created: bool

    @property
    def submission(self) -> Submission:
        return db.session.get(Submission, self.submission_id)


def sign(
    action: Action | ActionRef,
    signer: Signer,
    on_created: Callable[[int], Callable[[], None] | None] | None = None,
) -> SignResult:
    """Record `signer`'s signature on `action` and queue the confirmation email.

    Signing again with an alias of the same address is the same signature: nothing is
    counted twice, and an unconfirmed signer gets the confirmation email again.

    `on_created(submission_id)` writes what the action adds (letters, say) in the same
    transaction as the submission; what it returns is called after the commit.
    """
    if action.campaign_status != CampaignStatus.live:
        raise ActionClosed(action.slug)
    now = utcnow()
    supporter_id = _upsert_supporter(action.organization_id, signer, now)
    submission_id, created, confirmed = _insert_submission(action.id, supporter_id, signer, now)
    after_commit = None
    if created:
        if on_created is not None:
            after_commit = on_created(submission_id)
        counts.record(action.id, signed=1, at=now)
    db.session.commit()
    if after_commit is not None:
        after_commit()

    if created or not confirmed:
        from campaigns.jobs.mail import queue_confirmation

        queue_confirmation(submission_id, resend=not created)
    return SignResult(submission_id, created)


def _param(table, name: str):
    return bindparam(name, type_=table.c[name].type)


@cache
def _supporter_upsert(dialect: str):
    """Built once per backend: constructing ON CONFLICT statements costs more than running
    them."""
    table = Supporter.__table__
    names = (
        "organization_id",
        "email",
        "email_key",
        "first_name",
        "last_name",
        "postcode",
        "city",
        "locale",
        "subscribed",
        "subscribed_at",
        "created_at",
        "updated_at",
    )
    stmt = dialect_insert(dialect, table).values({n: _param(table, n) for n in names})
    new = stmt.excluded
    newly_subscribed = and_(new.subscribed, not_(table.c.subscribed))
    return stmt.on_conflict_do_update(
        index_elements=[table.c.organization_id, table.c.email_key],
        set_={
            "email": new.email,
            "first_name": new.first_name,
            "last_name": new.last_name,
            "postcode": case((new.postcode != "", new.postcode), else_=table.c.postcode),
            "city": case((new.city != "", new.city), else_=table.c.city),
            "locale": new.locale,
            "subscribed": or_(table.c.subscribed, new.subscribed),
            "subscribed_at": case(
                (newly_subscribed, new.subscribed_at), else_=table.c.subscribed_at
            ),
            "unsubscribed_at": case((newly_subscribed, None), else_=table.c.unsubscribed_at),
            "updated_at": new.updated_at,
        },
    ).returning(table.c.id)


@cache
def _submission_insert(dialect: str):
    table = Submission.__table__
    names = ("action_id", "supporter_id", "comment", "source", "show_name", "locale", "created_at")
    return (
        dialect_insert(dialect, table)
        .values({n: _param(table, n) for n in names})
        .on_conflict_do_nothing(index_elements=[table.c.action_id, table.c.supporter_id])
        .returning(table.c.id)
    )


_EXISTING_SUBMISSION = select(Submission.__table__.c.id, Submission.__table__.c.confirmed_at).where(
    Submission.__table__.c.action_id == bindparam("action_id"),
    Submission.__table__.c.supporter_id == bindparam("supporter_id"),
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _upsert_supporter(organization_id: int, signer: Signer, now) -> int:
    """Insert the person, or update them with the newest details; their id either way.

    As Action Network does, the newest name, postcode and city win (an empty postcode or
    city keeps the old one). Ticking "email me updates" subscribes; leaving it empty never
    unsubscribes someone who opted in.
    """
    params = {
        "organization_id": organization_id,
        "email": signer.email.strip(),
        "email_key": canonical_email(signer.email),
        "first_name": signer.first_name,
        "last_name": signer.last_name,
        "postcode": signer.postcode,
        "city": signer.city,
        "locale": signer.locale,
        "subscribed": signer.subscribe,
        "subscribed_at": now if signer.subscribe else None,
        "created_at": now,
        "updated_at": now,
    }
    return db.session.execute(_supporter_upsert(_dialect()), params).scalar_one()


def _insert_submission(
    action_id: int, supporter_id: int, signer: Signer, now
) -> tuple[int, bool, bool]:
    """(submission id, created now?, confirmed?). The unique (action, supporter) constraint
    decides between simultaneous requests: exactly one of them creates the row."""
    params = {
        "action_id": action_id,
        "supporter_id": supporter_id,
        "comment": signer.comment,
        "source": signer.source,
        "show_name": signer.show_name,
        "locale": signer.locale,
        "created_at": now,
    }
    new_id = db.session.execute(_submission_insert(_dialect()), params).scalar_one_or_none()
    if new_id is not None:
        return new_id, True, False
    existing_id, confirmed_at = db.session.execute(
        _EXISTING_SUBMISSION, {"action_id": action_id, "supporter_id": supporter_id}
    ).one()
    return existing_id, False, confirmed_at is not None
