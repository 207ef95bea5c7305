"""Where a `next` parameter may send a visitor: a path on this site, nowhere else.

The check reads the target the way the browser will once Werkzeug has built the Location
header from it. Werkzeug drops tabs and newlines and browsers treat a backslash as a slash,
so `/\\tx/evil.example` or `/\\evil.example` would otherwise arrive as `//evil.example`, a
link to another host. Any control character, any backslash, and anything whose parsed form
has a scheme or a host is refused; so a carriage return can never reach a header either.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a local path (with query or fragment), else None."""
    if not target or not target.startswith("/"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return None
    return target
