"""URL slugs: readable, ASCII, unique per table; and the action row an organizer's form saves
under one (every kind of action is saved the same way, by its own feature)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Campaign

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LENGTH = 60


def slugify(text: str) -> str:
    """ "Huelga en Acme: ¡Únete!" -> "huelga-en-acme-unete"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_LENGTH].rstrip("-") or "untitled"


def is_taken(model, slug: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalars(query).first() is not None


def unique_slug(model, text: str) -> str:
    base = slugify(text)
    slug, n = base, 2
    while is_taken(model, slug):
        slug = f"{base[: MAX_LENGTH - 4]}-{n}"
        n += 1
    return slug


def prepare_action(
    campaign: Campaign, kind: ActionKind, titled: str | None, slug: str, action: Action | None
) -> Action:
    """The action to save: `action`, or a new one of `kind`; with `slug`, else one made
    from `titled` (the first title given) when the action has none yet."""
    if slug or action is None:
        # Worked out before a new row joins the session, so no half-made row is flushed.
        slug = slug or unique_slug(Action, titled or campaign.title)
    if action is None:
        action = Action(campaign=campaign, kind=kind)
        db.session.add(action)
    if slug:
        action.slug = slug
    return action
