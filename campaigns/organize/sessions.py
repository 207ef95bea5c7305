"""The staff session: who is logged in and since when, and the state between a correct
password and the second-factor code (a person who is not logged in yet)."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import confirm_login, current_user, login_user, logout_user

from campaigns.accounts import logins
from campaigns.extensions import db
from campaigns.models import User

AUTH_AT = "staff_auth_at"  # when the password (and code) were last entered
SEEN_AT = "staff_seen_at"  # the last organizer request
PENDING = "staff_pending_login"
# Long enough to open an app and type a code; a forgotten half-login does not linger.
PENDING_SECONDS = 5 * 60
# Writing the session cookie on every request is needless; a minute's precision will do.
SEEN_PRECISION = 60


def start(user: User, method: str) -> None:
    """Log `user` in: a permanent session, so PERMANENT_SESSION_LIFETIME ends it."""
    session.pop(PENDING, None)
    login_user(user)
    session.permanent = True
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    logins.record_login(user, method)


def await_code(user: User, next_url: str | None) -> None:
    """Remember that `user` gave the right password and owes a code; log no one in."""
    session[PENDING] = {"user_id": user.id, "at": time.time(), "next": next_url}


def pending() -> tuple[User, str | None] | None:
    """The user owing a code and where they were going, unless that has timed out."""
    state = session.get(PENDING)
    if not state:
        return None
    if time.time() - state.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, state.get("user_id"))
    if user is None or not user.has_two_factor:
        session.pop(PENDING, None)
        return None
    return user, state.get("next")


def mark_fresh() -> None:
    session[AUTH_AT] = time.time()
    confirm_login()


def auth_age() -> float | None:
    """Seconds since the password was last entered in this session."""
    at = session.get(AUTH_AT)
    return None if at is None else time.time() - at


def expire_stale_session():
    """Before each organizer request: log out a session idle longer than the lifetime.

    Flask already refuses a cookie older than PERMANENT_SESSION_LIFETIME; this also ends
    sessions from before logins were permanent, and does not rely on the cookie's age alone.
    """
    if not current_user.is_authenticated:
        return None
    now = time.time()
    seen = session.get(SEEN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not session.permanent or seen is None or now - seen > lifetime:
        end()
        flash("Your session expired. Please log in again.", "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("organize.login", next=target))
    if now - seen > SEEN_PRECISION:
        session[SEEN_AT] = now
    return None


def end() -> None:
    logout_user()
    for key in (AUTH_AT, SEEN_AT, PENDING):
        session.pop(key, None)
