"""Action pages a web process keeps, rendered, for a few seconds.

A petition shared to a million people is the same page for everyone in a language, but for
its form's CSRF token. The page is rendered with a placeholder where the token goes and
kept per (address, language, referring site) for PUBLIC_COUNT_CACHE_SECONDS, the time the
counts on it are kept anyway; each view then only puts its own token in. Pages that say
something to one visitor (a flashed message) or take other query parameters are rendered
every time.
"""

from __future__ import annotations

import secrets
import time

from flask import current_app, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

MAX_PAGES = 500
# Random per process, so no text an organizer writes can contain it.
PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


def _placeholder() -> str:
    return PLACEHOLDER


def key(referrer: str) -> tuple | None:
    """What the page depends on, or None when this view must not come from the cache."""
    if current_app.config["PUBLIC_COUNT_CACHE_SECONDS"] <= 0:
        return None
    if set(request.args) - {"source"} or session.get("_flashes"):
        return None
    return (request.full_path, str(get_locale()), referrer)


def get(page_key: tuple | None) -> str | None:
    if page_key is None:
        return None
    hit = current_app.extensions.setdefault("campaigns.pages", {}).get(page_key)
    if hit is None or hit[0] <= time.monotonic():
        return None
    return hit[1]


def put(page_key: tuple, html: str) -> None:
    pages = current_app.extensions.setdefault("campaigns.pages", {})
    if len(pages) >= MAX_PAGES:
        pages.clear()
    seconds = current_app.config["PUBLIC_COUNT_CACHE_SECONDS"]
    pages[page_key] = (time.monotonic() + seconds, html)


def template_context() -> dict:
    """Render with this so the page holds the placeholder instead of a visitor's token."""
    return {"csrf_token": _placeholder}


def personalize(html: str) -> str:
    return html.replace(PLACEHOLDER, generate_csrf())
