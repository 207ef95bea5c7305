"""Plain SMTP, for unions that already run a mail server."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage as MIMEMessage
from email.utils import formataddr, make_msgid

from flask import current_app

from campaigns.mail import EmailMessage, PermanentMailError, TemporaryMailError, sender


def build(message: EmailMessage) -> MIMEMessage:
    address, name = sender()
    name = message.from_name or name
    mime = MIMEMessage()
    mime["From"] = formataddr((name, address))
    mime["To"] = formataddr((message.to_name, message.to))
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex, domain=address.split("@")[-1])
    if message.reply_to:
        mime["Reply-To"] = message.reply_to
    for key, value in message.headers.items():
        mime[key] = value
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    for item in message.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        mime.add_attachment(
            item.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    return mime


def send(message: EmailMessage) -> str:
    cfg = current_app.config
    mime = build(message)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=15) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            smtp.send_message(mime)
    except smtplib.SMTPResponseException as exc:
        reason = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        # 4xx replies are transient by definition (RFC 5321 section 4.2.1).
        if 400 <= exc.smtp_code < 500:
            raise TemporaryMailError(reason) from exc
        raise PermanentMailError(reason) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        reason = f"SMTP refused recipients: {exc.recipients!r}"
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TemporaryMailError(reason) from exc
        raise PermanentMailError(reason) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryMailError(f"SMTP unavailable: {exc}") from exc
    return mime["Message-ID"]
