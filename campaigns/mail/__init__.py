"""Outgoing email behind one interface: `send(EmailMessage) -> provider message id`.

The backend is chosen by `MAIL_BACKEND`: `outbox` (default; keeps mail in the database for
people to read), `sendgrid` (production), `smtp`. Backends raise `TemporaryMailError` for what
is worth retrying (429, 5xx, an unreachable server) and `PermanentMailError` for what is not.
A request that was sent but never answered raises `UnknownOutcomeMailError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from flask import current_app

from campaigns.mail.suppressions import suppressed

BACKENDS = ("outbox", "sendgrid", "smtp")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, e.g. the CSV of a petition's signers."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str = ""
    to_name: str = ""
    reply_to: str = ""
    # Overrides MAIL_FROM_NAME, e.g. "Ana Ruiz via Local 42"; the address stays ours.
    from_name: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Which organization the mail is sent for; the outbox page shows each its own.
    organization_id: int | None = None
    # Opaque values echoed back by the provider's event webhook (SendGrid custom_args).
    tracking: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


class MailError(Exception):
    """A send that did not go through."""


class TemporaryMailError(MailError):
    """Worth another try later; `retry_after` is the provider's hint in seconds, if any."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class UnknownOutcomeMailError(TemporaryMailError):
    """The request reached the provider but no answer came back (it timed out, or the
    connection dropped mid-reply): the mail may or may not be on its way.

    A subclass of TemporaryMailError, so mail to the supporter themself is tried again; a
    letter or digest to a target is not (letters.delivery and letters.digests wait for the
    provider's events, or the organizer, instead: docs/queue.md, "Unknown outcomes").
    """


class PermanentMailError(MailError):
    """Will fail the same way every time (bad address, rejected content, bad credentials)."""


def send(message: EmailMessage) -> str:
    """Send `message` through the configured backend and return the provider's message id."""
    name = current_app.config["MAIL_BACKEND"]
    if name not in BACKENDS:
        raise PermanentMailError(f"unknown MAIL_BACKEND {name!r}; use one of {BACKENDS}")
    _refuse_suppressed([message])
    backend = import_module(f"campaigns.mail.{name}_backend")
    return backend.send(message)


def send_batch(messages: list[EmailMessage]) -> list[str]:
    """Send messages that share subject, body and Reply-To; provider ids in the same order.

    SendGrid takes them in one API call (one personalization each); other backends send
    them one by one. The batch succeeds or raises as a whole.
    """
    name = current_app.config["MAIL_BACKEND"]
    if name not in BACKENDS:
        raise PermanentMailError(f"unknown MAIL_BACKEND {name!r}; use one of {BACKENDS}")
    _refuse_suppressed(messages)
    backend = import_module(f"campaigns.mail.{name}_backend")
    if hasattr(backend, "send_batch"):
        return backend.send_batch(messages)
    return [backend.send(message) for message in messages]


def _refuse_suppressed(messages: list[EmailMessage]) -> None:
    """Every email of an organization passes here: none goes to an address on its
    suppression list. A permanent failure, so callers record it and never retry."""

    for organization_id in {m.organization_id for m in messages}:
        addresses = [m.to for m in messages if m.organization_id == organization_id]
        if suppressed(organization_id, addresses):
            raise PermanentMailError("the address is on the organization's suppression list")


def sender() -> tuple[str, str]:
    """The configured From address and display name."""
    return current_app.config["MAIL_FROM"], current_app.config["MAIL_FROM_NAME"]
