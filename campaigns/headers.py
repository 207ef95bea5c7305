"""Security headers on every response, and which proxy headers to believe.

Supporters may be immigrant workers signing from a shared phone, so every page says how a
browser may use it: no scripts or styles from anywhere but `static/` (Content-Security-Policy),
no framing by other sites, no sniffing, no full URL in the Referer, and no copy kept of a page
that shows a person's data. docs/security.md describes the choices; OWASP's Secure Headers
Project (https://owasp.org/www-project-secure-headers/) is the checklist behind them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from flask import Flask, Response, g, request, request_finished
from werkzeug.middleware.proxy_fix import ProxyFix

View = TypeVar("View", bound=Callable)

HSTS = "max-age=31536000; includeSubDomains"
# Powerful features no page here uses; denied so an injected or embedding page cannot ask.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# Public pages that follow a supporter's own action, and say what they just did. Pages reached
# through a token in the path (confirm, unsubscribe) are caught by `_harden` itself.
PERSONAL_PAGES = frozenset({"public.thanks", "public.embed_thanks"})

# Public responses that are the same for every visitor, read neither the session nor the
# language, and say how long to keep them (count.json). Flask-Login's after-request hook
# looks into the session on every response, which makes Flask add "Vary: Cookie"; dropped
# here so a shared cache keeps one copy for all, with or without a session cookie.
SHARED_RESPONSES = frozenset({"public.count_json"})

_EMBEDDABLE = "_campaigns_embeddable"


def init_app(app: Flask) -> None:
    """Trust the configured proxies, give templates `csp_nonce()`, and harden every response."""
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        # Client address and scheme only. The host comes from the Host header, which the proxy
        # must pass on: an X-Forwarded-Host the proxy does not overwrite is the client's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Not `after_request`: those run before Flask writes the session cookie (and before
    # Flask-Login's remember cookie), and the no-store rule must see every cookie set.
    request_finished.connect(_harden, app)


def embeddable(view: View) -> View:
    """Let other sites frame this view (embedded forms); every other page refuses framing.

    Works above or below the route decorator: it marks the function and returns it unchanged.
    """
    setattr(view, _EMBEDDABLE, True)
    return view


def csp_nonce() -> str:
    """This response's nonce, for the rare `<script nonce=…>` or `<style nonce=…>` a page needs.

    Made on first use, so a page that needs none keeps a policy identical for every visitor.
    """
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


@cache
def _policy(frame_ancestors: str) -> str:
    """The policy of every response without a nonce: two strings per process, built once."""
    return content_security_policy(nonce=None, frame_ancestors=frame_ancestors)


def content_security_policy(*, nonce: str | None, frame_ancestors: str) -> str:
    own = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = [
        "default-src 'self'",
        f"script-src {own}",
        # No 'unsafe-inline': it would let injected markup restyle a form into a phishing page.
        # A nonce admits a <style> element but never a style="" attribute.
        f"style-src {own}",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        f"frame-ancestors {frame_ancestors}",
    ]
    return "; ".join(directives)


def _harden(sender: Flask, response: Response, **_extra) -> None:
    # Runs on every response, the busiest signing and count routes included: the headers are
    # added (no view sets these), not set, the policy strings are built once, and the
    # request is looked up once rather than through its proxy at each use.
    req = request._get_current_object()
    endpoint = req.endpoint
    headers = response.headers
    view = sender.view_functions.get(endpoint) if endpoint else None
    if getattr(view, _EMBEDDABLE, False):
        ancestors = sender.config.get("EMBED_FRAME_ANCESTORS") or "*"
        headers.pop("X-Frame-Options", None)
    else:
        ancestors = "'none'"
        # For browsers that predate CSP's frame-ancestors.
        headers.add("X-Frame-Options", "DENY")
    nonce = g.get("csp_nonce")
    policy = (
        content_security_policy(nonce=nonce, frame_ancestors=ancestors)
        if nonce
        else _policy(ancestors)
    )
    headers.add("Content-Security-Policy", policy)
    headers.add("X-Content-Type-Options", "nosniff")
    headers.add("Permissions-Policy", PERMISSIONS_POLICY)
    # A token in the path is a key to someone's signature or subscription: sent nowhere, not
    # even to our own stylesheet requests, where it would land in access logs.
    has_token = "token" in (req.view_args or {})
    headers.add(
        "Referrer-Policy", "no-referrer" if has_token else "strict-origin-when-cross-origin"
    )
    # request.is_secure alone misses a TLS-terminating proxy when TRUSTED_PROXIES is unset, so
    # an https PUBLIC_URL counts too. Browsers ignore HSTS received over plain http
    # (RFC 6797 section 8.1), so that can never pin a development server to https.
    if req.is_secure or sender.config.get("PUBLIC_URL", "").startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    if has_token or _holds_personal_data(req, endpoint, response):
        # Not on a shared computer's disk, not in a proxy's cache, not in the back button.
        headers["Cache-Control"] = "no-store"
    elif endpoint in SHARED_RESPONSES and "Vary" in headers and "Cookie" in response.vary:
        response.vary.remove("Cookie")


def _holds_personal_data(req, endpoint: str | None, response: Response) -> bool:
    return (
        (endpoint or "").startswith("organize.")
        or endpoint in PERSONAL_PAGES
        # A form post's answer echoes what was typed (a name, an email) when it shows errors.
        or req.method not in ("GET", "HEAD")
        # A cached Set-Cookie would hand one visitor's session to the next.
        or "Set-Cookie" in response.headers
    )
