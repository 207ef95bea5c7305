"""RQ entry points of tracking: tallies, milestones, petition deliveries."""

from __future__ import annotations

from campaigns.tracking import milestones, petition_delivery, tally


def tally_counts() -> int:
    """Fold every submission not yet counted into the counts; returns how many."""
    return tally.tally()


def check_milestones() -> list[int]:
    """Mark the milestones crossed and queue the organizers' emails; returns their ids."""
    return milestones.check_and_notify()


def send_milestone_email(milestone_id: int, user_id: int) -> str | None:
    return milestones.send_email(milestone_id, user_id)


def deliver_petition(delivery_id: int) -> int:
    """Send a petition delivery to its recipients; returns how many were sent now."""
    return petition_delivery.deliver(delivery_id)
