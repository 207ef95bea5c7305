"""RQ entry points of staff accounts."""

from __future__ import annotations

from campaigns.accounts import invitations


def send_invitation(invitation_id: int) -> str | None:
    """Email one invitation; returns the provider's message id (None when not sent)."""
    return invitations.send(invitation_id)
