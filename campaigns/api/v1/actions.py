"""The key's organization's actions of one kind, as the API's collections see them."""

from __future__ import annotations

from flask import g
from sqlalchemy import Select, select

from campaigns.api.v1.hal import ApiError
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Campaign


def of_kind(kind: ActionKind) -> Select:
    """Actions of `kind` in the organization the API key belongs to."""
    return (
        select(Action)
        .join(Campaign, Campaign.id == Action.campaign_id)
        .where(Campaign.organization_id == g.organization_id, Action.kind == kind)
    )


def action_or_404(kind: ActionKind, action_uuid: str, what: str) -> Action:
    """One of them by its public uuid; anything else, another organization's too, is 404."""
    action = db.session.scalars(of_kind(kind).where(Action.uuid == action_uuid)).first()
    if action is None:
        raise ApiError(404, f"no such {what}")
    return action
