"""Unsubscribing a supporter from an organization's mail (RFC 8058 one-click included)."""

from __future__ import annotations

from campaigns.core import tokens
from campaigns.extensions import db
from campaigns.models import Supporter, utcnow
from campaigns.webhooks import endpoints as webhooks


def unsubscribe_token(supporter: Supporter) -> str:
    return tokens.make(tokens.UNSUBSCRIBE, supporter.id)


def supporter_for_token(token: str) -> Supporter | None:
    try:
        supporter_id = tokens.read(tokens.UNSUBSCRIBE, token)
    except tokens.InvalidToken:
        return None
    return db.session.get(Supporter, supporter_id)


def unsubscribe(supporter: Supporter) -> None:
    """Stop updates to this supporter; safe to call twice."""
    if supporter.subscribed or supporter.unsubscribed_at is None:
        supporter.subscribed = False
        supporter.unsubscribed_at = utcnow()
        db.session.commit()

        webhooks.emit(supporter.organization_id, "person.unsubscribed", {"person_id": supporter.id})
