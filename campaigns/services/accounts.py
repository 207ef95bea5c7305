"""Staff accounts: creating owners, logging in, looking up memberships."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Membership, Organization, Role, User, utcnow
from campaigns.services.slugs import unique_slug

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request that cannot be carried out as given; the message says why."""


def create_owner(email: str, password: str, organization_name: str, name: str = "") -> User:
    """Create (or reuse) a user and make them owner of a new or existing organization."""
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
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


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


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
