"""Opt-ins to coalition partners, recorded with the submission that asked for them.

Sharing them with the partners, once the person confirms, is the partners feature's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import OptIn, OptInState, Submission, utcnow


def normalize_source(source: str | None) -> str:
    return (source or "").strip().lower()[:64]


def with_opt_ins(
    on_created: Callable | None, campaign_id: int, organization_ids: tuple[int, ...], source: str
) -> Callable:
    """Wrap signing's `on_created` so the new submission's opt-ins are written in its
    transaction. A fraudulent submission records none: nobody is signed up to anything on
    the word of a request we do not believe. A held one records them; like every opt-in,
    they are shared only once the person confirms, which is also what releases it."""

    def write(submission_id: int, verdict):
        after = on_created(submission_id, verdict) if on_created is not None else None
        if not verdict.fraudulent or verdict.held:
            record_opt_ins(submission_id, campaign_id, organization_ids, source)
        return after

    return write


def record_opt_ins(
    submission_id: int, campaign_id: int, organization_ids: Iterable[int], source: str
) -> None:
    supporter_id = db.session.execute(
        select(Submission.supporter_id).where(Submission.id == submission_id)
    ).scalar_one()
    now = utcnow()
    db.session.add_all(
        OptIn(
            supporter_id=supporter_id,
            submission_id=submission_id,
            organization_id=org_id,
            campaign_id=campaign_id,
            source=normalize_source(source),
            state=OptInState.pending,
            created_at=now,
        )
        for org_id in dict.fromkeys(organization_ids)
    )
    db.session.flush()
