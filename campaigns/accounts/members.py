"""An organization's members: who they are, changing a role, removing someone.

Every organization keeps at least one owner, or no one could manage it again.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select

from campaigns.core import audit
from campaigns.extensions import db
from campaigns.models import Membership, Organization, Role, User

LAST_OWNER = "An organization needs at least one owner. Make someone else owner first."


class MemberError(ValueError):
    """The change is not allowed; the message says why."""


def members_of(organization: Organization) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.organization_id == organization.id)
            .order_by(func.lower(User.name), User.email)
        )
    )


def membership_of(organization: Organization, membership_id: int) -> Membership:
    """The organization's membership with that id; 404 for another organization's."""
    # Read afresh: after `_lock`, what another request committed meanwhile counts.
    member = db.session.get(Membership, membership_id, populate_existing=True)
    if member is None or member.organization_id != organization.id:
        abort(404)
    return member


def change_role(organization: Organization, membership_id: int, role: Role, actor: User) -> None:
    _lock(organization)
    member = membership_of(organization, membership_id)
    if member.role == role:
        return
    if member.role == Role.owner and _owners(organization) <= 1:
        db.session.rollback()
        raise MemberError(LAST_OWNER)
    before = member.role
    member.role = role
    audit.record(
        "role_changed",
        organization=organization,
        actor=actor,
        subject_user=member.user,
        subject=audit.describe(member.user),
        details={"from": before.value, "to": role.value},
    )
    db.session.commit()


def remove(organization: Organization, membership_id: int, actor: User) -> None:
    _lock(organization)
    member = membership_of(organization, membership_id)
    if member.role == Role.owner and _owners(organization) <= 1:
        db.session.rollback()
        raise MemberError(LAST_OWNER)
    audit.record(
        "member_removed",
        organization=organization,
        actor=actor,
        subject_user=member.user,
        subject=audit.describe(member.user),
        details={"role": member.role.value},
    )
    db.session.delete(member)
    db.session.commit()


def _lock(organization: Organization) -> None:
    # Two owners demoting each other at once must not both succeed: changes to one
    # organization's members wait for each other (PostgreSQL; SQLite writes one at a time).
    db.session.execute(
        select(Organization.id).where(Organization.id == organization.id).with_for_update()
    )


def _owners(organization: Organization) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization.id, Membership.role == Role.owner)
    )
