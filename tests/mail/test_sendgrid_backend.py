import time

import pytest

from campaigns import mail
from campaigns.mail import EmailMessage
from tests.support.sendgrid_server import Reply


def message(**overrides) -> EmailMessage:
    values = {
        "to": "ana@example.org",
        "to_name": "Ana López",
        "subject": "Confirma tu firma",
        "text": "Hola Ana",
        "html": "<p>Hola Ana</p>",
        "headers": {"List-Unsubscribe": "<https://x.example/u/1>"},
        "tracking": {"submission_id": "42"},
    }
    values.update(overrides)
    return EmailMessage(**values)


def test_request_body_is_what_sendgrid_expects(sendgrid_app, sendgrid):
    """The official client posts v3 JSON with sender, recipient, both bodies, headers, args."""
    with sendgrid_app.app_context():
        provider_id = mail.send(message())
    [request] = sendgrid.mail_sends()
    assert request.headers["Authorization"] == "Bearer SG.test-key"
    body = request.body
    assert body["from"] == {"email": "action@local42.example", "name": "Local 42"}
    assert body["subject"] == "Confirma tu firma"
    [personalization] = body["personalizations"]
    assert personalization["to"] == [{"email": "ana@example.org", "name": "Ana López"}]
    assert body["content"] == [
        {"type": "text/plain", "value": "Hola Ana"},
        {"type": "text/html", "value": "<p>Hola Ana</p>"},
    ]
    assert body["headers"] == {"List-Unsubscribe": "<https://x.example/u/1>"}
    assert body["custom_args"] == {"submission_id": "42"}
    assert provider_id


def test_rate_limit_is_temporary_with_reset_hint(sendgrid_app, sendgrid):
    """A 429 is worth retrying, after the reset time SendGrid gives."""
    reset = int(time.time()) + 30
    sendgrid.replies.append(Reply(429, {"X-RateLimit-Reset": str(reset)}, {"errors": []}))
    with sendgrid_app.app_context(), pytest.raises(mail.TemporaryMailError) as err:
        mail.send(message())
    assert 20 <= err.value.retry_after <= 31


def test_server_error_is_temporary(sendgrid_app, sendgrid):
    """A 5xx from the provider is worth retrying."""
    sendgrid.replies.append(Reply(503, body={"errors": [{"message": "busy"}]}))
    with sendgrid_app.app_context(), pytest.raises(mail.TemporaryMailError):
        mail.send(message())


def test_rejection_is_permanent_with_reason(sendgrid_app, sendgrid):
    """A 400 will fail the same way again; the reason is kept."""
    sendgrid.replies.append(
        Reply(400, body={"errors": [{"message": "Does not contain a valid address."}]})
    )
    with sendgrid_app.app_context(), pytest.raises(mail.PermanentMailError) as err:
        mail.send(message())
    assert "valid address" in str(err.value)


def test_unreachable_provider_is_temporary(sendgrid_app, sendgrid):
    """A provider that cannot be reached is a temporary failure."""
    sendgrid.stop()
    with sendgrid_app.app_context(), pytest.raises(mail.TemporaryMailError):
        mail.send(message())
    sendgrid.start = lambda: None  # already stopped; the fixture's stop is then harmless


def test_missing_api_key_is_permanent(sendgrid_app):
    """A deployment without a key fails clearly instead of retrying forever."""
    sendgrid_app.config["SENDGRID_API_KEY"] = ""
    with sendgrid_app.app_context(), pytest.raises(mail.PermanentMailError):
        mail.send(message())
