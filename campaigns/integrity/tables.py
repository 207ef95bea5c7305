"""Sign-up tables: a device an organizer trusts for a few hours, for one action.

At a union meeting or a picket, many people sign on one tablet, from one address. Such a
device is opened as a table: its link carries a signed token naming the table, and what is
signed through it is exempt from the per-address and per-domain rate limits (blocks and the
disposable-email list still apply), tagged with the table's source code, and confirmed by
email person by person as anywhere else. The token is good only for its own action, only
until the table expires, and not once an organizer revoked it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from flask import abort
from markupsafe import Markup
from sqlalchemy import func, select

from campaigns.core import audit, tokens
from campaigns.core.slugs import slugify
from campaigns.extensions import db
from campaigns.models import Action, Organization, SignupTable, Submission, User, utcnow

MAX_HOURS = 24


class TableError(ValueError):
    """A table cannot be opened as asked."""


def open_table(
    org: Organization, action: Action, actor: User, name: str, hours: int
) -> SignupTable:
    name = name.strip()[:100]
    if not name:
        raise TableError("give the table a name (where it stands: 'Hall meeting')")
    if not 1 <= hours <= MAX_HOURS:
        raise TableError(f"a table stays open between 1 and {MAX_HOURS} hours")
    now = utcnow()
    table = SignupTable(
        organization_id=org.id,
        action_id=action.id,
        name=name,
        source="",
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(table)
    db.session.flush()
    table.source = f"table-{table.id}-{slugify(name)}"[:64].rstrip("-")
    audit.record(
        "signup_table_opened",
        organization=org,
        actor=actor,
        subject=f"{name} on {action.slug} for {hours} h",
        details={"action_id": action.id, "table_id": table.id},
    )
    db.session.commit()
    return table


def token_of(table: SignupTable) -> str:
    return tokens.make(tokens.SIGNUP_TABLE, table.id)


def table_for(token: str, action_id: int, now: datetime | None = None) -> SignupTable | None:
    """The open table the token names, if it is this action's; None otherwise (altered,
    another action's, expired or revoked)."""
    try:
        table_id = tokens.read(tokens.SIGNUP_TABLE, token, max_age_seconds=MAX_HOURS * 3600)
    except tokens.InvalidToken:
        return None
    table = db.session.get(SignupTable, table_id)
    if table is None or table.action_id != action_id or not table.is_open(now or utcnow()):
        return None
    return table


def table_of(org: Organization, table_id: int) -> SignupTable:
    table = db.session.get(SignupTable, table_id)
    if table is None or table.organization_id != org.id:
        abort(404)
    return table


def revoke(org: Organization, table: SignupTable, actor: User) -> None:
    if table.revoked_at is None:
        table.revoked_at = utcnow()
        audit.record(
            "signup_table_revoked",
            organization=org,
            actor=actor,
            subject=table.name,
            details={"action_id": table.action_id, "table_id": table.id},
        )
    db.session.commit()


def tables_of(action: Action) -> list[tuple[SignupTable, int]]:
    """The action's tables, newest first, each with how many signed through it."""
    tables = db.session.scalars(
        select(SignupTable)
        .where(SignupTable.action_id == action.id)
        .order_by(SignupTable.created_at.desc(), SignupTable.id.desc())
    ).all()
    signed = dict(
        db.session.execute(
            select(Submission.source, func.count())
            .where(
                Submission.action_id == action.id,
                Submission.source.in_([t.source for t in tables]),
            )
            .group_by(Submission.source)
        ).all()
    )
    return [(t, signed.get(t.source, 0)) for t in tables]


def qr_svg(url: str) -> Markup:
    """The table's link as an inline SVG QR code, to open it on the device by its camera."""
    svg = segno.make(url, error="m").svg_inline(
        omitsize=True, dark="#000", light="#fff", title="QR code of the sign-up table's link"
    )
    return Markup(svg)
