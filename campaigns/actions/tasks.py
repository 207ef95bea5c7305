"""RQ entry points of actions: a campaign's updates to its followers."""

from __future__ import annotations

from campaigns.actions import follow_updates


def send_update(update_id: int) -> int:
    """Split an update's followers into batches, one job each; returns the batches."""
    return follow_updates.split_update(update_id)


def deliver_update(update_id: int, follow_ids: list[int]) -> int:
    """Send an update to one batch of followers; returns how many were sent."""
    return follow_updates.deliver_update(update_id, follow_ids)
