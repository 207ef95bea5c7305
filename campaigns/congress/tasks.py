"""RQ entry points of the congress package."""

from __future__ import annotations

from campaigns.congress import office_lists


def refresh_offices() -> dict[str, int | str]:
    """Fetch each configured chamber's list of offices that take CWC messages."""
    return office_lists.refresh_configured()
