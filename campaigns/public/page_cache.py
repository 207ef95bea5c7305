"""Action pages a web process keeps, rendered, for a few seconds.

A petition shared to a million people is the same page for everyone in a language: its form
holds the action's form token, not a visitor's (public.form_tokens). The page is kept per
(address, language, referring site) for PUBLIC_COUNT_CACHE_SECONDS, the time the counts on it
are kept anyway. Pages that say something to one visitor (a flashed message) or take other
query parameters are rendered every time.
"""

from __future__ import annotations

from flask import current_app, request, session

from campaigns import select_locale
from campaigns.core.cache import MISSING, TTLCache

MAX_PAGES = 500
PAGES = TTLCache("pages", seconds="PUBLIC_COUNT_CACHE_SECONDS", max_size=MAX_PAGES)


def key(referrer: str) -> tuple | None:
    """What the page depends on, or None when this view must not come from the cache."""
    if current_app.config["PUBLIC_COUNT_CACHE_SECONDS"] <= 0:
        return None
    if set(request.args) - {"source"} or session.get("_flashes"):
        return None
    # The language's code as the selector gives it: the same as str(get_locale()), without
    # building a Babel locale for a view that renders nothing.
    return (request.full_path, select_locale(), referrer)


def get(page_key: tuple | None) -> str | None:
    if page_key is None:
        return None
    html = PAGES.get(page_key)
    return None if html is MISSING else html


def put(page_key: tuple, html: str) -> None:
    PAGES.put(page_key, html)
