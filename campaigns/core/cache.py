"""The one per-process cache: named, with entries that expire, emptied by name.

What a web process reads on every request and may show a few seconds late (an action's ref,
its public counts, the organizations that have webhooks) is kept here. Each cache lives in the
application's `extensions`, so every app (every test's app) starts empty, and it is bounded:
when full it is emptied, not sorted, because every entry is cheap to read again.

A feature declares its cache once, at import:

    REFS = TTLCache("action_refs", seconds=10)
    ref = REFS.get(slug)            # MISSING when absent or expired
    REFS.put(slug, ref)

and whoever changes what a cache holds says so by name, without importing its owner:
`cache.forget("action_refs", where=lambda slug, ref: ref.campaign_id == 7)`. Other processes
see the change when their entries expire, which is why every lifetime is short.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

MISSING: Any = object()

_CACHES: dict[str, TTLCache] = {}


class TTLCache:
    """Entries that expire after `seconds`, or after the number the config key `seconds`
    names (read on each write, so a test or a deployment can change it; 0 keeps nothing)."""

    def __init__(self, name: str, seconds: float | str, max_size: int = 1000) -> None:
        if name in _CACHES:
            raise ValueError(f"a cache named {name!r} already exists")
        self.name = name
        self.seconds = seconds
        self.max_size = max_size
        self._key = f"campaigns.cache.{name}"
        self._setting = seconds if isinstance(seconds, str) else None
        _CACHES[name] = self

    def _entries(self) -> dict:
        extensions = current_app.extensions
        entries = extensions.get(self._key)
        if entries is None:
            entries = extensions[self._key] = {}
        return entries

    def lifetime(self) -> float:
        if self._setting is not None:
            return current_app.config[self._setting]
        return self.seconds

    def get(self, key: Hashable) -> Any:
        """The value kept for `key`, or MISSING when there is none or it is older than the
        lifetime (as it is now: shortening the setting takes effect at once)."""
        # On the signing path of a viral petition: one lookup of the app, none of the config
        # for a fixed lifetime.
        entries = current_app.extensions.get(self._key)
        hit = entries.get(key) if entries is not None else None
        if hit is None:
            return MISSING
        seconds = self.seconds if self._setting is None else current_app.config[self._setting]
        if time.monotonic() - hit[0] >= seconds:
            return MISSING
        return hit[1]

    def put(self, key: Hashable, value: Any) -> Any:
        """Keep `value` (not at all while the lifetime is 0); returns it."""
        if self.lifetime() > 0:
            entries = self._entries()
            if len(entries) >= self.max_size and key not in entries:
                entries.clear()
            entries[key] = (time.monotonic(), value)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        value = self.get(key)
        if value is MISSING:
            value = self.put(key, load())
        return value

    def forget(
        self, key: Hashable = MISSING, where: Callable[[Hashable, Any], bool] | None = None
    ) -> None:
        """Drop one key, the entries `where(key, value)` picks, or (with neither) all."""
        entries = self._entries()
        if key is not MISSING:
            entries.pop(key, None)
        elif where is not None:
            for k, (_, value) in list(entries.items()):
                if where(k, value):
                    entries.pop(k, None)
        else:
            entries.clear()


def forget(
    name: str, key: Hashable = MISSING, where: Callable[[Hashable, Any], bool] | None = None
) -> None:
    """Invalidate the cache called `name` (see `TTLCache.forget`). A cache whose module was
    never imported holds nothing, so there is nothing to forget."""
    found = _CACHES.get(name)
    if found is not None:
        found.forget(key, where)


def names() -> list[str]:
    return sorted(_CACHES)
