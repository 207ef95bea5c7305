"""Helpers for signature integrity tests: a clock at a window boundary, signing as a
supporter from a given address, and an organization's limits."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.models import Submission
from campaigns.submissions.signing import Signer, sign

# 12:00:00 UTC: a multiple of 60, 300 and 3600 seconds, so every window starts here.
T0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
_n = itertools.count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def signer(ip: str | None = "203.0.113.7", email: str | None = None, **kw) -> Signer:
    n = next(_n)
    return Signer(
        first_name="Ana",
        last_name="Ruiz",
        email=email or f"ana{n}@example.org",
        postcode="94612",
        ip=ip,
        **kw,
    )


def sign_at(action, seconds: float, **kw) -> Submission:
    result = sign(action, signer(**kw), now=at(seconds))
    return db.session.get(Submission, result.submission_id)


def set_limits(organization_id: int, **values) -> None:
    row = integrity.limits_of(organization_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    integrity.forget(organization_id)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app
