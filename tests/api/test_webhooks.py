"""Webhooks: signed posts a receiver can verify, retries with back-off, pausing after a day."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db, queues
from campaigns.models import (
    DeliveryStatus,
    Organization,
    OutboxEmail,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from campaigns.webhooks import delivery as webhook_delivery
from campaigns.webhooks import endpoints as webhooks
from tests.api.webhooks_support import Receiver, add_endpoint, sign_petition
from tests.conftest import csrf_from
from tests.factories import make_user


def verify(secret: str, header: str, body: bytes, tolerance=300) -> bool:
    """What a receiver does, written from the documentation, not from our code."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(utcnow().timestamp() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, fields["v1"])


@pytest.mark.both_databases
def test_a_signature_is_posted_signed_to_the_endpoint(
    hook_app, org_id, petition_id, receiver, run_jobs
):
    """submission.created reaches the endpoint; its HMAC verifies with the secret."""
    _, secret = add_endpoint(hook_app, org_id, receiver.url)
    sign_petition(hook_app, petition_id)
    run_jobs()
    assert len(receiver.received) == 1
    post = receiver.received[0]
    assert verify(secret, post["headers"]["Campaigns-Signature"], post["body"])
    assert not verify("whsec_wrong", post["headers"]["Campaigns-Signature"], post["body"])
    body = json.loads(post["body"])
    assert body["event"] == "submission.created"
    assert post["headers"]["Campaigns-Event"] == "submission.created"
    assert post["headers"]["Campaigns-Delivery"] == body["id"]
    assert body["data"]["person"]["identifiers"][0].startswith("campaigns:")
    assert body["data"]["submission"]["href"].startswith("http://campaigns.test/api/v1/petitions/")
    # No email, name or postcode: the receiver fetches those with an API key.
    assert "ana@example.org" not in post["body"].decode()
    with hook_app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert delivery.status == DeliveryStatus.delivered
        assert delivery.last_status_code == 200
        assert delivery.last_duration_ms is not None


def test_without_an_endpoint_signing_enqueues_nothing_for_webhooks(hook_app, org_id, petition_id):
    """No endpoint, no webhook job: signing's only jobs are its own."""
    sign_petition(hook_app, petition_id)
    with hook_app.app_context():
        assert queues.queue("default").count == 0


def test_a_failed_post_is_retried_after_its_back_off(hook_app, org_id, petition_id, run_jobs):
    """500 then 200: the second try waits a minute, then succeeds."""
    receiver = Receiver([500])
    try:
        add_endpoint(hook_app, org_id, receiver.url)
        sign_petition(hook_app, petition_id)
        run_jobs()
        with hook_app.app_context():
            delivery = db.session.scalars(select(WebhookDelivery)).one()
            assert delivery.status == DeliveryStatus.pending
            assert delivery.last_status_code == 500
            assert delivery.last_error == "nope"
            wait = delivery.next_attempt_at - utcnow()
            assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
            assert webhook_delivery.due() == []
            later = utcnow() + timedelta(seconds=61)
            assert webhook_delivery.due(later) == [delivery.id]
            assert webhook_delivery.deliver(delivery.id, now=later) == "delivered"
            db.session.refresh(delivery)
            assert delivery.attempts == 2
            assert delivery.endpoint.failing_since is None
        assert [r["headers"]["Campaigns-Delivery"] for r in receiver.received][0] == (
            receiver.received[1]["headers"]["Campaigns-Delivery"]
        )
    finally:
        receiver.stop()


def test_an_endpoint_failing_for_a_day_is_paused_and_owners_emailed(
    hook_app, org_id, petition_id, run_jobs
):
    receiver = Receiver([500] * 50)
    try:
        endpoint_id, _ = add_endpoint(hook_app, org_id, receiver.url)
        sign_petition(hook_app, petition_id)
        run_jobs()
        with hook_app.app_context():
            start = db.session.get(WebhookEndpoint, endpoint_id).failing_since
            assert start is not None
            delivery_id = db.session.scalars(select(WebhookDelivery.id)).one()
            for hours in (1, 3, 9, 23):
                assert webhook_delivery.deliver(
                    delivery_id, now=start + timedelta(hours=hours)
                ) == ("pending")
            assert db.session.get(WebhookEndpoint, endpoint_id).paused_at is None
            status = webhook_delivery.deliver(
                delivery_id, now=start + timedelta(hours=24, seconds=1)
            )
            assert status == "failed"
            assert db.session.get(WebhookEndpoint, endpoint_id).paused_at is not None
        run_jobs()
        with hook_app.app_context():
            notices = db.session.scalars(select(OutboxEmail)).all()
            pause = [n for n in notices if n.subject.startswith("Webhook paused")]
            assert len(pause) == 1 and f"owner{org_id}@example.org" in pause[0].to_address
            webhooks.forget_cache()
        # A paused endpoint gets nothing more.
        before = len(receiver.received)
        sign_petition(hook_app, petition_id, "other@example.org")
        run_jobs()
        assert len(receiver.received) == before
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest",
        "https://localhost/hook",
        "https://user:pw@example.org/hook",
        "ftp://example.org",
    ],
)
def test_endpoint_addresses_must_be_public_https(api_app, org_id, url):
    with api_app.app_context():
        with pytest.raises(webhooks.WebhookError):
            webhooks.check_url(url)
        assert webhooks.check_url("https://hooks.example.org/x") == "https://hooks.example.org/x"


def test_http_localhost_only_when_allowed(api_app):
    with api_app.app_context():
        with pytest.raises(webhooks.WebhookError):
            webhooks.check_url("http://localhost:9999/x")
        api_app.config["WEBHOOK_ALLOW_HTTP_LOCALHOST"] = True
        assert webhooks.check_url("http://localhost:9999/x")


def test_an_owner_adds_an_endpoint_sends_a_test_and_reads_the_log(
    hook_app, client, org_id, login, receiver, run_jobs
):
    with hook_app.app_context():
        make_user(db.session.get(Organization, org_id), Role.owner, email="ruth@example.org")
    login("ruth@example.org")
    page = client.get("/organize/local-42/webhooks")
    assert page.status_code == 200
    added = client.post(
        "/organize/local-42/webhooks",
        data={
            "url": receiver.url,
            "events": ["submission.created"],
            "csrf_token": csrf_from(page.text),
        },
    )
    assert added.status_code == 302
    with hook_app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        endpoint_id, secret = endpoint.id, endpoint.secret
    page = client.get("/organize/local-42/webhooks")
    assert secret in page.text
    sent = client.post(
        f"/organize/local-42/webhooks/{endpoint_id}/test",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert sent.status_code == 302
    run_jobs()
    assert json.loads(receiver.received[0]["body"])["event"] == "ping"
    log = client.get("/organize/local-42/webhooks").text
    assert "ping" in log and "delivered" in log and "200" in log
