"""RQ entry points of submissions: confirmation emails."""

from __future__ import annotations

from campaigns.submissions import confirmation_mail


def send_confirmations() -> int:
    """Send the first confirmations signing has listed; returns how many were sent."""
    return confirmation_mail.send_pending()


def send_confirmation(submission_id: int, resend: bool = False) -> str | None:
    """Send one confirmation email; returns the provider's message id."""
    return confirmation_mail.send_confirmation(submission_id, resend)


def sweep_confirmations() -> int:
    """Queue the confirmations that never went out; returns how many."""
    return confirmation_mail.sweep()
