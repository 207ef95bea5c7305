"""Inviting people into an organization by an expiring link, instead of sharing passwords."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import abort, current_app, render_template
from sqlalchemy import select

from campaigns import mail
from campaigns.accounts import passwords
from campaigns.core import audit
from campaigns.extensions import db
from campaigns.mail import EmailMessage
from campaigns.models import (
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    Role,
    User,
    utcnow,
)
from campaigns.queues import enqueue
from campaigns.urls import external_url

log = logging.getLogger(__name__)


class InvitationError(ValueError):
    """The invitation cannot be made or used as asked; the message says why."""


def invite(organization: Organization, email: str, role: Role, invited_by: User) -> Invitation:
    """Make an invitation and queue its email."""
    email = email.strip().lower()
    already = db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .where(Membership.organization_id == organization.id, User.email == email)
    ).first()
    if already is not None:
        raise InvitationError(f"{email} is a member already; change their role below.")
    if any(i.email == email for i in pending(organization)):
        raise InvitationError(f"{email} has an invitation waiting; send it again or revoke it.")
    invitation = Invitation(
        organization_id=organization.id,
        email=email,
        role=role,
        invited_by_id=invited_by.id,
        expires_at=_expiry(),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation_created",
        organization=organization,
        actor=invited_by,
        subject=email,
        details={"invitation_id": invitation.id, "role": role.value},
    )
    db.session.commit()
    _queue(invitation)
    return invitation


def resend(organization: Organization, invitation_id: int, actor: User) -> Invitation:
    """Send a new link (the old one stops working) valid for another full period."""
    invitation = _of(organization, invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationError("That invitation was accepted or revoked; invite them again.")
    invitation.expires_at = _expiry()
    invitation.send_error = ""
    audit.record(
        "invitation_resent",
        organization=organization,
        actor=actor,
        subject=invitation.email,
        details={"invitation_id": invitation.id},
    )
    db.session.commit()
    _queue(invitation)
    return invitation


def revoke(organization: Organization, invitation_id: int, actor: User) -> None:
    invitation = _of(organization, invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = utcnow()
    invitation.token_hash = None
    audit.record(
        "invitation_revoked",
        organization=organization,
        actor=actor,
        subject=invitation.email,
        details={"invitation_id": invitation.id},
    )
    db.session.commit()


def pending(organization: Organization) -> list[Invitation]:
    """Invitations not yet accepted or revoked, expired ones included (to send again)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == organization.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def issue_token(invitation: Invitation) -> str:
    """A new link token for the invitation; only its hash is kept. Caller commits."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    return token


def by_token(token: str) -> Invitation | None:
    """The invitation this link is for, whatever its state; None for an unknown link."""
    if not token or len(token) > 100:
        return None
    return db.session.scalars(
        select(Invitation).where(Invitation.token_hash == _hash(token))
    ).first()


def invitation_email(invitation: Invitation, token: str) -> EmailMessage:
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "accept_url": external_url("organize.accept_invitation", token=token),
        "days": current_app.config["INVITATION_MAX_AGE_DAYS"],
    }
    return EmailMessage(
        to=invitation.email,
        subject=f"You are invited to {invitation.organization.name} on campaigns",
        text=render_template("email/invitation.txt", **context),
        organization_id=invitation.organization_id,
        tracking={"invitation_id": str(invitation.id)},
    )


def account_for(invitation: Invitation) -> User | None:
    """The existing account with the invited email, if there is one."""
    return db.session.scalars(select(User).where(User.email == invitation.email)).first()


def accept_as_new_user(invitation: Invitation, name: str, password: str) -> User:
    """Create the invitee's account with the invitation's email, and join them."""
    _usable(invitation)
    if account_for(invitation) is not None:
        raise InvitationError("An account has this email already; log in to accept.")
    passwords.check(password, invitation.email)
    user = User(email=invitation.email, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _join(invitation, user)
    return user


def accept_as(invitation: Invitation, user: User) -> None:
    """Join the invitation's organization with an existing account of the invited email."""
    _usable(invitation)
    if user.email != invitation.email:
        raise InvitationError(
            f"This invitation is for {invitation.email}, and you are logged in as "
            f"{user.email}. Log out, then open the link again."
        )
    _join(invitation, user)


def _join(invitation: Invitation, user: User) -> None:
    member = db.session.scalars(
        select(Membership).where(
            Membership.organization_id == invitation.organization_id,
            Membership.user_id == user.id,
        )
    ).first()
    if member is None:
        db.session.add(
            Membership(user=user, organization_id=invitation.organization_id, role=invitation.role)
        )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    invitation.token_hash = None
    audit.record(
        "invitation_accepted",
        organization=invitation.organization,
        actor=user,
        subject_user=user,
        subject=audit.describe(user),
        details={"invitation_id": invitation.id, "role": invitation.role.value},
    )
    db.session.commit()


def _usable(invitation: Invitation) -> None:
    if invitation.status != "pending":
        raise InvitationError("This invitation can no longer be used.")


def _of(organization: Organization, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        abort(404)
    return invitation


def _expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])


def _hash(token: str) -> str:
    # A plain hash suffices: the token has 256 bits of randomness, nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def _queue(invitation: Invitation) -> None:
    enqueue("campaigns.accounts.tasks.send_invitation", invitation.id, queue="mail")


def send(invitation_id: int) -> str | None:
    """Mint the invitation's link and email it; returns the provider's message id.

    The token is made here, not in the request, so it never waits in Redis with the job.
    A retried send mints a new one, and only the link in the email that went out works.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.status != InvitationStatus.pending:
        return None  # revoked, accepted or expired meanwhile
    token = issue_token(invitation)
    db.session.commit()
    try:
        message_id = mail.send(invitation_email(invitation, token))
    except mail.PermanentMailError as exc:
        log.warning("invitation %s could not be sent: %s", invitation_id, exc)
        invitation.send_error = str(exc)[:500]
        invitation.token_hash = None
        db.session.commit()
        return None
    invitation.sent_at = utcnow()
    db.session.commit()
    return message_id
