"""Supporters and their submissions for the supporter list, export and access tests."""

from __future__ import annotations

import itertools
from datetime import datetime

from campaigns.core.addresses import canonical_email
from campaigns.extensions import db
from campaigns.models import Action, Organization, Submission, Supporter, utcnow

_seq = itertools.count(1)


def make_supporter(
    organization: Organization, actions: tuple[Action, ...] = (), **overrides
) -> Supporter:
    """A supporter of `organization` who took each of `actions` once.

    `confirmed=True` confirms those submissions; `signed_at` dates them; `workplace`, a dict
    of employer, worksite, department and work_shift, is given on each of them.
    """
    n = next(_seq)
    confirmed = overrides.pop("confirmed", False)
    signed_at: datetime = overrides.pop("signed_at", None) or utcnow()
    workplace: dict = overrides.pop("workplace", None) or {}
    values = {
        "organization_id": organization.id,
        "first_name": "Ana",
        "last_name": f"Ruiz{n}",
        "email": f"person{n}@example.org",
        "postcode": "94612",
        "city": "Oakland",
        "locale": "en",
        "subscribed": False,
    }
    values.update(overrides)
    values["email_key"] = canonical_email(values["email"])
    supporter = Supporter(**values)
    db.session.add(supporter)
    db.session.flush()
    for action in actions:
        db.session.add(
            Submission(
                action_id=action.id,
                supporter_id=supporter.id,
                created_at=signed_at,
                confirmed_at=signed_at if confirmed else None,
                **workplace,
            )
        )
    db.session.commit()
    return supporter
