"""Logging in to a staff account: the password, the second factor, the password again.

Every refusal says the same for an unknown email as for a wrong password, and an unknown
email locks like a known one (see login_throttle), so the login form tells no one who has
an account.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from campaigns.accounts import login_throttle, two_factor
from campaigns.core import audit
from campaigns.core.ip import request_ip_hash
from campaigns.extensions import db
from campaigns.models import User, utcnow

WRONG_PASSWORD = "That email and password do not match an account."


class LoginRefused(Exception):
    """Not let in; `str()` is the message for the person, `status` the HTTP status."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


def check_password(email: str, password: str, step: str = "password") -> User:
    """The account whose email and password these are, or LoginRefused."""
    email = email.strip().lower()
    _refuse_if_blocked(email)
    user = db.session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        # As slow as a real check, so timing does not tell which emails have accounts.
        check_password_hash(_decoy_hash(), password)
    elif user.check_password(password):
        return user
    raise _failed(email, user, step, WRONG_PASSWORD)


def check_code(user: User, code: str, step: str = "code") -> str:
    """Check a second-factor code for `user`; returns "totp" or "recovery_code"."""
    _refuse_if_blocked(user.email)
    try:
        return two_factor.verify(user, code)
    except two_factor.CodeRefused as exc:
        raise _failed(user.email, user, step, str(exc)) from exc


def record_login(user: User, method: str) -> None:
    login_throttle.clear(user.email)
    user.last_login_at = utcnow()
    audit.record(
        "login",
        actor=user,
        subject_user=user,
        subject=audit.describe(user),
        details={"method": method},
        with_user_agent=True,
    )
    db.session.commit()


def record_reauthentication(user: User) -> None:
    login_throttle.clear(user.email)
    audit.record("reauthenticated", actor=user, subject_user=user, subject=audit.describe(user))
    db.session.commit()


def block_message(block: login_throttle.Block, now: datetime | None = None) -> str:
    minutes = max(1, math.ceil((block.until - (now or utcnow())).total_seconds() / 60))
    when = f"{block.until:%H:%M} UTC ({minutes} minute{'s' if minutes != 1 else ''} from now)"
    if block.scope == "account":
        return (
            "Too many failed attempts to log in to this account, so it is locked for now. "
            f"Try again after {when}."
        )
    return f"Too many failed logins from your network. Try again after {when}."


def _refuse_if_blocked(email: str) -> None:
    block = login_throttle.blocked(email, request_ip_hash())
    if block is not None:
        raise LoginRefused(block_message(block), 429)


def _failed(email: str, user: User | None, step: str, message: str) -> LoginRefused:
    blocks = login_throttle.record_failure(email, request_ip_hash())
    # An unknown email is recorded without it: it may be someone's real address mistyped.
    subject = audit.describe(user) or "an email with no account"
    audit.record(
        "login_failed",
        subject_user=user,
        subject=subject,
        details={"step": step},
        with_user_agent=True,
    )
    for block in blocks:
        audit.record(
            "login_locked" if block.scope == "account" else "address_throttled",
            subject_user=user if block.scope == "account" else None,
            subject=subject if block.scope == "account" else "",
            details={"until": block.until.isoformat(timespec="seconds")},
        )
    db.session.commit()
    if blocks:
        return LoginRefused(block_message(blocks[0]), 429)
    return LoginRefused(message)


@cache
def _decoy_hash() -> str:
    return generate_password_hash("no account has this password")
