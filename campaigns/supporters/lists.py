"""The supporter list for staff: a page of a filtered list, a person's page, and tags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, literal, select, true
from sqlalchemy.orm import selectinload

from campaigns.core import audit
from campaigns.database import UTCDateTime, dialect_insert, utcnow
from campaigns.extensions import db
from campaigns.models import (
    Action,
    Campaign,
    Organization,
    Submission,
    Supporter,
    Tag,
    Tagging,
    User,
)
from campaigns.supporters import filters as supporter_filters
from campaigns.supporters.filters import SupporterFilter

PAGE_SIZE = 50
TAG_NAME_MAX = 60


class TagError(ValueError):
    """A tag name that cannot be used; the message says why."""


@dataclass
class Page:
    supporters: list[Supporter]
    total: int
    # The id to continue after for the next page (keyset: newest first), or None at the end.
    next_after: int | None


def page(organization: Organization, f: SupporterFilter, after: int | None = None) -> Page:
    """One page of the filtered list, newest first, and how many match in all.

    Keyset pagination (`id < after`) costs the same on page 1 and page 1,000; the count is
    one indexed query on the same conditions.
    """
    where = supporter_filters.conditions(organization.id, f)
    query = select(Supporter).where(*where).order_by(Supporter.id.desc()).limit(PAGE_SIZE + 1)
    if after is not None:
        query = query.where(Supporter.id < after)
    rows = list(db.session.scalars(query))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    total = db.session.scalar(supporter_filters.count(organization.id, f))
    return Page(rows, total, rows[-1].id if more else None)


def get(organization: Organization, supporter_id: int) -> Supporter | None:
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None or supporter.organization_id != organization.id:
        return None
    return supporter


def submissions_of(supporter: Supporter) -> list[Submission]:
    """Every action the person took, newest first, with its action and campaign loaded."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.supporter_id == supporter.id)
            .options(
                selectinload(Submission.action).selectinload(Action.translations),
                selectinload(Submission.action).selectinload(Action.campaign),
            )
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )


def tags_of_organization(organization: Organization) -> list[Tag]:
    return list(
        db.session.scalars(
            select(Tag).where(Tag.organization_id == organization.id).order_by(Tag.name)
        )
    )


def tags_of(supporter: Supporter) -> list[Tag]:
    return list(
        db.session.scalars(
            select(Tag)
            .join(Tagging, Tagging.tag_id == Tag.id)
            .where(Tagging.supporter_id == supporter.id)
            .order_by(Tag.name)
        )
    )


def campaigns_and_actions(organization: Organization) -> list[Campaign]:
    """The organization's campaigns with their actions, for the filter selects."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.organization_id == organization.id)
            .options(selectinload(Campaign.actions).selectinload(Action.translations))
            .order_by(Campaign.created_at.desc())
        )
    )


def find_or_create_tag(organization: Organization, name: str) -> Tag:
    """The organization's tag with this name (case and spaces as typed the first time)."""
    name = " ".join(name.split())
    if not name:
        raise TagError("Give the tag a name.")
    if len(name) > TAG_NAME_MAX:
        raise TagError(f"Tag names have at most {TAG_NAME_MAX} characters.")
    for tag in tags_of_organization(organization):
        if tag.name.lower() == name.lower():
            return tag
    tag = Tag(organization_id=organization.id, name=name)
    db.session.add(tag)
    db.session.flush()
    return tag


def add_tag(organization: Organization, supporter: Supporter, name: str) -> Tag:
    tag = find_or_create_tag(organization, name)
    _insert_taggings(select(literal(tag.id), literal(supporter.id), _now()))
    db.session.commit()
    return tag


def remove_tag(organization: Organization, supporter: Supporter, tag_id: int) -> None:
    db.session.execute(
        delete(Tagging).where(
            Tagging.supporter_id == supporter.id,
            Tagging.tag_id == tag_id,
            Tagging.tag_id.in_(select(Tag.id).where(Tag.organization_id == organization.id)),
        )
    )
    db.session.commit()


def tag_all(
    organization: Organization, f: SupporterFilter, name: str, actor: User
) -> tuple[Tag, int]:
    """Tag everyone the filter picks, in one INSERT … SELECT; returns the tag and how many
    people newly got it (those who had it already are left as they were). Audited with the
    filters, in the same transaction."""
    tag = find_or_create_tag(organization, name)
    ids = supporter_filters.supporter_ids(organization.id, f).subquery()
    added = _insert_taggings(select(literal(tag.id), ids.c.id, _now()))
    audit.record(
        "supporters_tagged",
        organization=organization,
        actor=actor,
        subject=f"Tag “{tag.name}”",
        details={"filters": f.to_dict(), "added": added},
    )
    db.session.commit()
    return tag, added


def _now():
    return literal(utcnow(), UTCDateTime)


def _insert_taggings(rows) -> int:
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join
    # (https://www.sqlite.org/lang_upsert.html, "parsing ambiguity").
    rows = rows.where(true())
    dialect = db.session.get_bind().dialect.name
    statement = (
        dialect_insert(dialect, Tagging.__table__)
        .from_select(["tag_id", "supporter_id", "created_at"], rows)
        .on_conflict_do_nothing()
        # Counted from RETURNING: the driver's rowcount for INSERT … SELECT is not reliable
        # on every backend (psycopg through SQLAlchemy reports -1).
        .returning(Tagging.supporter_id)
    )
    return len(db.session.execute(statement).all())


def tag_supporter(tag: Tag, supporter: Supporter) -> bool:
    """Put `tag` on one supporter (for the API); whether they did not have it yet. The caller
    has checked both belong to the same organization."""
    added = _insert_taggings(select(literal(tag.id), literal(supporter.id), _now()))
    db.session.commit()
    return added > 0
