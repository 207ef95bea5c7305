"""Jobs on the `mail` queue: invitations for staff to join an organization."""

from __future__ import annotations

import logging

from campaigns import mail
from campaigns.accounts import invitations
from campaigns.extensions import db
from campaigns.jobs import enqueue
from campaigns.models import Invitation, InvitationStatus, utcnow

log = logging.getLogger(__name__)


def queue_invitation(invitation_id: int) -> None:
    enqueue(send_invitation, invitation_id, queue="mail")


def send_invitation(invitation_id: int) -> str | None:
    """Mint the invitation's link and email it; returns the provider's message id.

    The token is made here, not in the request, so it never waits in Redis with the job.
    A retried send mints a new one, and only the link in the email that went out works.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.status != InvitationStatus.pending:
        return None  # revoked, accepted or expired meanwhile
    token = invitations.issue_token(invitation)
    db.session.commit()
    try:
        message_id = mail.send(invitations.invitation_email(invitation, token))
    except mail.PermanentMailError as exc:
        log.warning("invitation %s could not be sent: %s", invitation_id, exc)
        invitation.send_error = str(exc)[:500]
        invitation.token_hash = None
        db.session.commit()
        return None
    invitation.sent_at = utcnow()
    db.session.commit()
    return message_id
