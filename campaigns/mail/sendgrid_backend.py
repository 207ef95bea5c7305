"""SendGrid v3 Mail Send through the official library.

`SENDGRID_API_HOST` points the client elsewhere: the tests and benchmarks run a local
SendGrid-compatible server so the real request body is what gets checked.
"""

from __future__ import annotations

import base64
import time
import urllib.error

from flask import current_app
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Attachment,
    Content,
    CustomArg,
    Disposition,
    FileContent,
    FileName,
    FileType,
    From,
    Header,
    Mail,
    Personalization,
    ReplyTo,
    Subject,
    To,
)

from campaigns.mail import (
    EmailMessage,
    PermanentMailError,
    TemporaryMailError,
    UnknownOutcomeMailError,
    sender,
)


def _client() -> SendGridAPIClient:
    key = current_app.config["SENDGRID_API_KEY"]
    if not key:
        raise PermanentMailError("SENDGRID_API_KEY is not set")
    client = SendGridAPIClient(api_key=key, host=current_app.config["SENDGRID_API_HOST"])
    # Without a timeout the client waits on a stuck connection forever.
    client.client.timeout = current_app.config["SENDGRID_TIMEOUT"]
    return client


def build(message: EmailMessage) -> Mail:
    """The v3 request for `message` (kept separate so its body can be inspected)."""
    address, name = sender()
    name = message.from_name or name
    mail = Mail(
        from_email=From(address, name),
        to_emails=To(message.to, message.to_name or None),
        subject=message.subject,
        plain_text_content=message.text,
        html_content=message.html or None,
    )
    if message.reply_to:
        mail.reply_to = ReplyTo(message.reply_to)
    for key, value in message.headers.items():
        mail.add_header(Header(key, value))
    for key, value in message.tracking.items():
        mail.add_custom_arg(CustomArg(key, str(value)))
    _attach(mail, message)
    return mail


def _attach(mail: Mail, message: EmailMessage) -> None:
    # The v3 API takes each file base64-encoded in the JSON body.
    for item in message.attachments:
        mail.add_attachment(
            Attachment(
                FileContent(base64.b64encode(item.content).decode("ascii")),
                FileName(item.filename),
                FileType(item.content_type),
                Disposition("attachment"),
            )
        )


def build_batch(messages: list[EmailMessage]) -> Mail:
    """One request, one personalization per message: its recipient, sender name and ids.

    The messages share subject, body and Reply-To (SendGrid keeps Reply-To per request).
    """
    address, default_name = sender()
    first = messages[0]
    mail = Mail()
    mail.from_email = From(address, first.from_name or default_name)
    mail.subject = Subject(first.subject)
    mail.add_content(Content("text/plain", first.text))
    if first.html:
        mail.add_content(Content("text/html", first.html))
    if first.reply_to:
        mail.reply_to = ReplyTo(first.reply_to)
    for key, value in first.headers.items():
        mail.add_header(Header(key, value))
    for message in messages:
        personalization = Personalization()
        personalization.add_to(To(message.to, message.to_name or None))
        personalization.set_from(From(address, message.from_name or default_name))
        for key, value in message.tracking.items():
            personalization.add_custom_arg(CustomArg(key, str(value)))
        mail.add_personalization(personalization)
    _attach(mail, first)
    return mail


def _retry_after(headers) -> float | None:
    """SendGrid says when its rate limit resets as a Unix time in X-RateLimit-Reset."""
    if not headers:
        return None
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            return None
    retry_after = headers.get("Retry-After")
    try:
        return float(retry_after) if retry_after else None
    except ValueError:
        return None


def send(message: EmailMessage) -> str:
    return _post(build(message))


def send_batch(messages: list[EmailMessage]) -> list[str]:
    """Up to 1,000 messages in one call. SendGrid returns one X-Message-Id for the request;
    each recipient's events carry it as the prefix of their sg_message_id."""
    if len(messages) > 1000:
        raise ValueError("SendGrid takes at most 1000 personalizations per request")
    message_id = _post(build_batch(messages))
    return [message_id] * len(messages)


def _post(mail: Mail) -> str:
    try:
        response = _client().send(mail)
    except HTTPError as exc:
        status = exc.status_code
        reason = f"SendGrid {status}: {exc.body.decode('utf-8', 'replace')[:500]}"
        if status == 429 or status >= 500:
            raise TemporaryMailError(reason, _retry_after(exc.headers)) from exc
        raise PermanentMailError(reason) from exc
    except urllib.error.URLError as exc:
        # urllib wraps what fails before the request is out (refused, a connect timeout).
        raise TemporaryMailError(f"SendGrid unreachable: {exc}") from exc
    except (TimeoutError, ConnectionError) as exc:
        # The request went out and no answer came back: SendGrid may have accepted it.
        raise UnknownOutcomeMailError(f"SendGrid did not answer: {exc or 'timed out'}") from exc
    message_id = response.headers.get("X-Message-Id") if response.headers else None
    return message_id or ""
