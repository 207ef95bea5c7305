"""Staff accounts: creating owners, changing passwords, looking up memberships.

Logging in is in `logins`; the password rules are in `passwords`.
"""

from __future__ import annotations

from sqlalchemy import select

from campaigns.accounts import passwords
from campaigns.core import audit
from campaigns.core.slugs import unique_slug
from campaigns.extensions import db
from campaigns.models import Membership, Organization, Role, User


class AccountError(ValueError):
    """A request that cannot be carried out as given; the message says why."""


def create_owner(email: str, password: str, organization_name: str, name: str = "") -> User:
    """Create (or reuse) a user and make them owner of a new or existing organization."""
    email = email.strip().lower()
    reason = passwords.problem(password, email)
    if reason:
        raise AccountError(reason)
    user = db.session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
    user.set_password(password)
    org = db.session.scalars(
        select(Organization).where(Organization.name == organization_name)
    ).first()
    if org is None:
        org = Organization(
            name=organization_name, slug=unique_slug(Organization, organization_name)
        )
        db.session.add(org)
        db.session.flush()
    membership = db.session.scalars(
        select(Membership).where(Membership.user == user, Membership.organization == org)
    ).first()
    if membership is None:
        db.session.add(Membership(user=user, organization=org, role=Role.owner))
    else:
        membership.role = Role.owner
    db.session.commit()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password that meets the rules (the form checked them; this makes sure)."""
    passwords.check(new_password, user.email)
    user.set_password(new_password)
    audit.record("password_changed", actor=user, subject_user=user, subject=audit.describe(user))
    db.session.commit()


def is_owner_anywhere(user: User) -> bool:
    return (
        db.session.scalars(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.role == Role.owner
            )
        ).first()
        is not None
    )


def memberships(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .join(Membership.organization)
            .order_by(Organization.name)
        )
    )


def membership(user: User, organization_slug: str) -> Membership | None:
    return db.session.scalars(
        select(Membership)
        .join(Membership.organization)
        .where(Membership.user_id == user.id, Organization.slug == organization_slug)
    ).first()
