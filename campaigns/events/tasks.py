"""RQ entry points of event actions."""

from __future__ import annotations

from campaigns.events import notices


def send_reminders(shift_id: int) -> int:
    """Remind everyone still attending a shift; returns how many were sent."""
    return notices.send_reminders(shift_id)


def send_promotion(rsvp_id: int) -> str | None:
    """Tell someone promoted from the waitlist that they now have a place."""
    return notices.send_promotion(rsvp_id)
