"""The suppression list: addresses an organization must never email, whatever else says so.

Checked at the one place mail leaves, `campaigns.mail.send` and `send_batch`. Addresses are
stored as HMAC-SHA256 of their canonical form under a key derived from SECRET_KEY, so the
list of people who asked never to be written to is not itself a list of addresses.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, select

from campaigns.core import audit
from campaigns.core.addresses import canonical_email
from campaigns.extensions import db
from campaigns.models import Organization, Suppression, User


def email_hash(address: str) -> str:
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"campaigns suppression list", hashlib.sha256
    ).digest()
    return hmac.new(key, canonical_email(address).encode(), hashlib.sha256).hexdigest()


def suppressed(organization_id: int | None, addresses: list[str]) -> list[str]:
    """Which of `addresses` the organization must not email."""
    if organization_id is None or not addresses:
        return []
    by_hash = {email_hash(a): a for a in addresses}
    found = db.session.scalars(
        select(Suppression.email_hash).where(
            Suppression.organization_id == organization_id,
            Suppression.email_hash.in_(list(by_hash)),
        )
    )
    return [by_hash[h] for h in found]


def add(organization: Organization, user: User, address: str, reason: str) -> bool:
    """Suppress an address; False when it was already on the list."""
    digest = email_hash(address)
    exists = db.session.scalar(
        select(Suppression.id).where(
            Suppression.organization_id == organization.id, Suppression.email_hash == digest
        )
    )
    if exists:
        return False
    entry = Suppression(
        organization_id=organization.id,
        email_hash=digest,
        reason=(reason or "").strip()[:200],
        created_by_id=user.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "suppression_added",
        organization=organization,
        actor=user,
        subject=f"Suppression {entry.id}",
        details={"reason": entry.reason},
    )
    db.session.commit()
    return True


def remove(organization: Organization, user: User, suppression_id: int) -> bool:
    """Take an entry off the list; False when the organization has no such entry."""
    result = db.session.execute(
        delete(Suppression).where(
            Suppression.id == suppression_id, Suppression.organization_id == organization.id
        )
    )
    if result.rowcount:
        audit.record(
            "suppression_removed",
            organization=organization,
            actor=user,
            subject=f"Suppression {suppression_id}",
        )
    db.session.commit()
    return bool(result.rowcount)


def entries(organization: Organization) -> list[Suppression]:
    return list(
        db.session.scalars(
            select(Suppression)
            .where(Suppression.organization_id == organization.id)
            .order_by(Suppression.created_at.desc(), Suppression.id.desc())
        )
    )
