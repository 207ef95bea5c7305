"""Which passwords staff accounts may have: long, not common, not made of the email address.

The rules follow NIST SP 800-63B §5.1.1.2: a minimum length, a check against passwords known
from breaches, no composition rules (they push people to `Password1!`) and no forced expiry.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from flask import current_app

# Walks along the keyboard and the alphabet: long enough to pass the length rule, and among
# the first things a guesser tries.
SEQUENCES = (
    "01234567890123456789",
    "98765432109876543210",
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "qwertyuiopasdfghjklzxcvbnm",
    "mnbvcxzlkjhgfdsapoiuytrewq",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "zaq12wsxcde34rfvbgt56yhnmju78ik,lo90p",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
)
# What people add to a common word to get past rules: "football2024!" is still "football".
TRAILING_DECORATION = re.compile(r"[\d\W_]+$")
LEADING_DECORATION = re.compile(r"^[\d\W_]+")


class WeakPassword(ValueError):
    """The password breaks a rule; the message says which, in words for the person."""


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("campaigns").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def min_length() -> int:
    return current_app.config["PASSWORD_MIN_LENGTH"]


def problem(password: str, email: str = "") -> str | None:
    """Why `password` may not be used by the account with `email`, or None if it may."""
    if len(password) < min_length():
        return f"Use at least {min_length()} characters; a few words in a row work well."
    if len(password) > 200:
        return "Use at most 200 characters."
    lowered = password.lower()
    if _is_common(lowered):
        return "That password is too common: it is among the first ones guessed. Choose another."
    local = email.strip().lower().partition("@")[0].partition("+")[0]
    # Very short local parts ("jo@") would refuse half the dictionary for no gain.
    if len(local) >= 3 and local in lowered:
        return f"Choose a password that does not contain your email address's name ({local})."
    return None


def check(password: str, email: str = "") -> None:
    """Raise WeakPassword when `password` may not be used."""
    reason = problem(password, email)
    if reason:
        raise WeakPassword(reason)


def _is_common(lowered: str) -> bool:
    common = common_passwords()
    bare = LEADING_DECORATION.sub("", TRAILING_DECORATION.sub("", lowered))
    if lowered in common or (bare and bare in common):
        return True
    if len(set(lowered)) <= 2 or _repeats(lowered):
        return True
    return any(lowered in sequence for sequence in SEQUENCES)


def _repeats(text: str) -> bool:
    """True for a short pattern said over and over: "abcabcabcabc", "passwordpassword"."""
    return (text + text).find(text, 1) < len(text)
