"""What a public action form carries instead of the session's CSRF token.

Supporters are not logged in: nothing a petition, pledge, RSVP, story or letter form does acts
on a session (the email address typed identifies the person, and the confirmation goes to that
mailbox). So these forms do not need a session at all, and the action page then sets no
cookie: it is the same for every visitor in a language, kept rendered by each web process
(`page_cache`), and cacheable. What a post must show instead:

- a **form token**: signed with SECRET_KEY under its own salt, naming the action, made when
  the page was rendered and valid for FORM_TOKEN_SECONDS. It keeps out posts that never saw a
  form of ours for this action, and forms left open for days;
- that it is **not cross-site**: a browser says where a post comes from (Fetch Metadata's
  `Sec-Fetch-Site`, else `Origin`), and a post another site makes a visitor's browser send is
  refused, so nobody can sign in people's names through their browsers from a page of theirs.
  Our own embeds post from our own iframe, which is same-origin.

docs/security.md sets this beside the session's CSRF token, which the organizer pages keep.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from campaigns.core import tokens

# Long enough for a page left open on a phone all day; a form older than that comes back
# with what was typed and a fresh token.
FORM_TOKEN_SECONDS = 24 * 3600
# `none`: the person typed or bookmarked the address.
_OWN_FETCHES = frozenset({"same-origin", "none"})


def make(action_id: int, purpose: str = tokens.ACTION_FORM) -> str:
    return tokens.make(purpose, action_id)


def valid(
    action_id: int,
    token: str,
    purpose: str = tokens.ACTION_FORM,
    max_age_seconds: int = FORM_TOKEN_SECONDS,
) -> bool:
    try:
        return tokens.read(purpose, token, max_age_seconds) == action_id
    except tokens.InvalidToken:
        return False


def cross_site(opaque_allowed: bool = False) -> bool:
    """Whether the browser says this request was made by a page of another origin.

    `Origin: null` is an opaque origin: a sandboxed frame, a `data:` page, a file opened
    locally. Any site can produce one, so it is refused, except where `opaque_allowed`:
    the embed form, which a host page may put in a sandboxed frame and whose embed token
    already says it was rendered by us for that action.
    """
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from not in _OWN_FETCHES
    # Browsers without Fetch Metadata still send Origin with a form post. Only the host is
    # compared: behind a proxy that terminates TLS the app may see http for an https page.
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        return not opaque_allowed
    return urlsplit(origin).netloc.lower() != request.host.lower()
