"""iCalendar files for RSVPs, written by hand to RFC 5545.

Only what calendar apps need to add one event: VCALENDAR with one VEVENT carrying UID,
DTSTAMP, DTSTART/DTEND in UTC, SUMMARY, LOCATION and URL. Lines end in CRLF and are folded
at 75 octets (section 3.1); text values escape backslash, semicolon, comma and newline
(section 3.3.11).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from campaigns.models import Rsvp, utcnow

LINE_OCTETS = 75


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuations starting with a
    space, never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        # A continuation line's leading space counts toward its 75 octets.
        limit = LINE_OCTETS if not out else LINE_OCTETS - 1
        if size + octets > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += octets
    out.append(current)
    return "\r\n ".join(out)


def utc_stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def rsvp_calendar(row: Rsvp, title: str, url: str) -> str:
    shift = row.shift
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "campaigns"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//campaigns//events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        # Stable per RSVP, so downloading the file again updates the entry, not doubles it.
        f"UID:rsvp-{row.id}@{host}",
        f"DTSTAMP:{utc_stamp(utcnow())}",
        f"DTSTART:{utc_stamp(shift.starts_at)}",
        f"DTEND:{utc_stamp(shift.ends_at)}",
        f"SUMMARY:{escape_text(title)}",
    ]
    if shift.place:
        lines.append(f"LOCATION:{escape_text(shift.place)}")
    elif shift.online_url:
        lines.append(f"LOCATION:{escape_text(shift.online_url)}")
    lines.append(f"URL:{shift.online_url or url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
