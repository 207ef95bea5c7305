"""Keeps mail in the database so a fresh install works with no mail account."""

from __future__ import annotations

import base64
import uuid
from email.utils import formataddr

from campaigns.extensions import db
from campaigns.mail import EmailMessage, sender
from campaigns.models import OutboxEmail


def send(message: EmailMessage) -> str:
    address, name = sender()
    name = message.from_name or name
    message_id = f"outbox-{uuid.uuid4().hex}"
    db.session.add(
        OutboxEmail(
            organization_id=message.organization_id,
            message_id=message_id,
            from_address=formataddr((name, address)),
            to_address=formataddr((message.to_name, message.to)),
            subject=message.subject,
            text_body=message.text,
            html_body=message.html,
            headers=dict(message.headers),
            attachments=[
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "content": base64.b64encode(a.content).decode("ascii"),
                }
                for a in message.attachments
            ],
        )
    )
    db.session.commit()
    return message_id
