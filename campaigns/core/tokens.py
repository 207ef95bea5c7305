"""Signed, tamper-proof values for links in emails (confirm a signature, unsubscribe) and
for public forms (campaigns.public.form_tokens)."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

CONFIRM = "confirm-submission"
UNSUBSCRIBE = "unsubscribe-supporter"
CANCEL_RSVP = "cancel-rsvp"
RSVP_CALENDAR = "rsvp-calendar"
RSVP_THANKS = "rsvp-thanks"
EMBED_FORM = "embed-form"
ACTION_FORM = "action-form"
SIGNUP_TABLE = "signup-table"


class InvalidToken(Exception):
    """The link was altered, belongs elsewhere, or has expired."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # One salt per purpose: an unsubscribe token can never be replayed as a confirmation.
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@lru_cache(maxsize=64)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    """Made once per key and purpose: every signature's form token is read with one."""
    return URLSafeTimedSerializer(secret_key, salt=purpose)


def make(purpose: str, value: int) -> str:
    return _serializer(purpose).dumps(value)


def read(purpose: str, token: str, max_age_seconds: int | None = None) -> int:
    try:
        value = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except BadData as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(value, int):
        raise InvalidToken("unexpected token payload")
    return value
