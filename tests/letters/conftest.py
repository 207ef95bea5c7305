import pytest

from tests.support.sendgrid_server import SendGridServer


@pytest.fixture
def sendgrid():
    server = SendGridServer().start()
    yield server
    server.stop()


@pytest.fixture
def sendgrid_app(app, sendgrid):
    app.config.update(
        MAIL_BACKEND="sendgrid",
        SENDGRID_API_KEY="SG.test",
        SENDGRID_API_HOST=sendgrid.url,
        MAIL_FROM="action@local42.example",
    )
    return app


def sent_message_ids(server) -> list[int]:
    """Every message id the provider was handed, once per time it was handed over."""
    return [
        int(p["custom_args"]["message_id"])
        for r in server.mail_sends()
        for p in r.body["personalizations"]
        if "message_id" in p.get("custom_args", {})
    ]


def letter_requests(server):
    """The provider calls that carried letters (not the supporters' confirmation emails)."""
    return [
        r
        for r in server.mail_sends()
        if any("message_id" in p.get("custom_args", {}) for p in r.body["personalizations"])
    ]
