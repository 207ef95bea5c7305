import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from campaigns import mail
from campaigns.mail import EmailMessage
from tests.support.servers import free_port


class Inbox:
    """An aiosmtpd handler that keeps what it receives and can refuse recipients."""

    def __init__(self):
        self.messages = []
        self.refuse_with = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    _, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    return app


def message() -> EmailMessage:
    return EmailMessage(
        to="ana@example.org",
        to_name="Ana López",
        subject="Confirma tu firma",
        text="Hola Ana",
        html="<p>Hola Ana</p>",
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def test_smtp_delivers_both_parts_and_headers(smtp_app, smtp_server):
    """The SMTP backend hands a multipart message with our headers to the mail server."""
    inbox, _ = smtp_server
    with smtp_app.app_context():
        message_id = mail.send(message())
    [received] = inbox.messages
    assert received["Subject"] == "Confirma tu firma"
    assert "ana@example.org" in received["To"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"] == message_id
    assert received.get_body(("plain",)).get_content().strip() == "Hola Ana"
    assert "<p>Hola Ana</p>" in received.get_body(("html",)).get_content()


def test_smtp_4xx_is_temporary(smtp_app, smtp_server):
    """A 4xx reply (greylisting, a full queue) is retried later."""
    inbox, _ = smtp_server
    inbox.refuse_with = "451 Try again later"
    with smtp_app.app_context(), pytest.raises(mail.TemporaryMailError):
        mail.send(message())


def test_smtp_5xx_is_permanent(smtp_app, smtp_server):
    """A 5xx reply (no such mailbox) will not be retried."""
    inbox, _ = smtp_server
    inbox.refuse_with = "550 No such user"
    with smtp_app.app_context(), pytest.raises(mail.PermanentMailError):
        mail.send(message())


def test_unreachable_smtp_server_is_temporary(app):
    """A mail server that is down is a temporary failure."""
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with app.app_context(), pytest.raises(mail.TemporaryMailError):
        mail.send(message())


def test_smtp_carries_attachments(smtp_app, smtp_server):
    """A file attached to a message arrives as an attachment beside both text parts."""
    inbox, _ = smtp_server
    with smtp_app.app_context():
        item = message()
        item.attachments = [mail.Attachment("signers.csv", b"First name\nAna\n", "text/csv")]
        mail.send(item)
    [received] = inbox.messages
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "signers.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_content() == "First name\nAna\n"
    assert received.get_body(("plain",)).get_content().strip() == "Hola Ana"
