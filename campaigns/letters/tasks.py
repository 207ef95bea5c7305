"""RQ entry points of letters: delivery, the sweep, the daily digest."""

from __future__ import annotations

from campaigns.letters import delivery, digests, recovery


def deliver_action(action_id: int) -> dict[str, int]:
    """Send every due, queued letter of an action; returns a tally by outcome."""
    return delivery.deliver_action(action_id)


def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """Send the due, queued letters among `message_ids`; returns a tally by outcome."""
    return delivery.deliver_messages(message_ids)


def sweep_messages() -> dict[str, int]:
    """Put back to work what a lost job or a dead worker left behind; returns a tally."""
    return recovery.sweep()


def send_digests() -> dict[str, int]:
    """Send one digest per (action, target) with bundled letters; returns a tally."""
    return digests.send_digests()
