"""The `channel` and `office_code` columns of a generic targets file (directories.importing)."""

from __future__ import annotations

from campaigns.congress.offices import OFFICE
from campaigns.models import Channel


def channel_columns(reader, line: int, row: dict[str, str]) -> dict:
    """The optional `channel` column (email, cwc_house, cwc_senate, none; empty derives it)
    and, for a CWC channel, the `office_code` column it needs."""
    channel = row["channel"].strip().lower()
    if not channel:
        return {"channel": None}
    if channel not in {c.value for c in Channel}:
        names = ", ".join(c.value for c in Channel)
        reader.error(line, "channel", f"must be one of {names}, or empty, not {channel!r}")
        return {}
    record: dict = {"channel": channel}
    if channel.startswith("cwc_"):
        office = row.get("office_code", "").strip().upper()
        chamber = "H" if channel == "cwc_house" else "S"
        if not OFFICE.match(office) or office[0] != chamber:
            example = "HCA12" if chamber == "H" else "SCA03"
            reader.error(line, "office_code", f"{channel} needs an office code like {example}")
            return {}
        record["office_code"] = office
    return record
