"""Absolute links for emails, built from PUBLIC_URL so jobs (with no request) can make them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def public_adapter() -> MapAdapter:
    """A URL builder on PUBLIC_URL: never on a request's Host header, which a client chooses."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )


def external_url(endpoint: str, **values) -> str:
    return public_adapter().build(endpoint, values, force_external=True)
