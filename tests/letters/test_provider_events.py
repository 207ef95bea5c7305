"""SendGrid's signed Event Webhook: signature and replay checks, de-duplication, statuses."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from campaigns.extensions import db, queues
from campaigns.letters.compose import send_letter
from campaigns.letters.provider_events import record_events
from campaigns.models import Message, MessageStatus, ProviderEvent
from campaigns.submissions.signing import Signer
from tests.factories import make_letter
from tests.letters.conftest import sent_message_ids

URL = "/hooks/sendgrid/events"
CEO = ("Pat Boss", "CEO", "ceo@acme.example")
COO = ("Lee Chief", "COO", "coo@acme.example")
CFO = ("Kim Money", "CFO", "cfo@acme.example")
DESK = ("Campaign desk", "Staff", "desk@union.example")


class WebhookKey:
    """A key pair like the one SendGrid keeps; the public half is shown base64 DER, as theirs."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = base64.b64encode(der).decode()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        }


@pytest.fixture
def key():
    return WebhookKey()


@pytest.fixture
def signed(app, key):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = key.public
    return app


def post(client, key, events, *, timestamp=None, headers=None):
    body = json.dumps(events).encode()
    if headers is None:
        headers = key.headers(body, timestamp)
    return client.post(URL, data=body, headers=headers, content_type="application/json")


def ana(**overrides) -> Signer:
    values = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org"}
    values.update(overrides)
    return Signer(**values)


def sent_letters(app, targets, **letter_options) -> dict[str, dict]:
    """A supporter's letters, marked sent as the worker would; by recipient address."""
    with app.app_context():
        send_letter(make_letter(targets=targets, **letter_options), ana())
        for n, message in enumerate(db.session.scalars(select(Message).order_by(Message.id))):
            message.status = MessageStatus.sent
            message.provider_message_id = f"xmsgid{n:016d}"
        db.session.commit()
    return letters(app)


def letters(app) -> dict[str, dict]:
    with app.app_context():
        return {
            m.to_email: {
                "id": m.id,
                "status": m.status.value,
                "last_error": m.last_error,
                "provider_message_id": m.provider_message_id,
                "email": m.to_email,
            }
            for m in db.session.scalars(select(Message))
        }


def statuses(app) -> dict[str, str]:
    return {email: m["status"] for email, m in letters(app).items()}


def event(letter: dict, name: str, n: int = 1, **extra) -> dict:
    """An event as SendGrid posts it: custom args at the top level, next to SendGrid's fields."""
    values = {
        "email": letter["email"],
        "timestamp": int(time.time()),
        "event": name,
        "sg_event_id": f"evt-{letter['id']}-{name}-{n}",
        "sg_message_id": f"{letter['provider_message_id']}.filterdrecv-5645d9c87f-0.0",
        "message_id": str(letter["id"]),
    }
    values.update(extra)
    return values


def stored_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ProviderEvent.id)))


@pytest.mark.both_databases
def test_signed_events_move_letters_forward(sendgrid_app, sendgrid, run_jobs, key):
    """A signed batch is accepted and moves each sent letter to delivered, bounced or dropped."""
    sendgrid_app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = key.public
    with sendgrid_app.app_context():
        send_letter(make_letter(targets=[CEO, COO, CFO]), ana())
    run_jobs()
    sent = letters(sendgrid_app)
    assert {m["status"] for m in sent.values()} == {"sent"}
    ceo, coo, cfo = (sent[t[2]] for t in (CEO, COO, CFO))
    batch = [
        *(event(m, "processed") for m in (ceo, coo, cfo)),
        event(ceo, "delivered", response="250 OK"),
        event(coo, "deferred", response="421 try later"),
        event(coo, "bounce", type="bounce", status="5.1.1", reason="550 5.1.1 no such user"),
        event(cfo, "dropped", reason="Bounced Address"),
        event(ceo, "open"),
        event(ceo, "click", url="https://local42.example"),
    ]
    response = post(sendgrid_app.test_client(), key, batch)
    assert response.status_code == 200
    assert response.get_json() == {"applied": 3, "recorded": 6, "fallbacks": 0}
    after = letters(sendgrid_app)
    assert after[CEO[2]]["status"] == "delivered"
    assert after[COO[2]]["status"] == "bounced"
    assert after[COO[2]]["last_error"] == "550 5.1.1 no such user"
    assert after[CFO[2]]["status"] == "dropped"
    assert after[CFO[2]]["last_error"] == "Bounced Address"
    with sendgrid_app.app_context():
        rows = db.session.scalars(select(ProviderEvent)).all()
        assert len(rows) == len(batch)
        assert {r.provider for r in rows} == {"sendgrid"}
        assert all(r.message_id is not None and r.occurred_at for r in rows)


def test_bad_signature_is_refused_and_changes_nothing(signed, client, key):
    """Events signed with another key get 403 and leave every letter as it was."""
    [ceo] = sent_letters(signed, [CEO]).values()
    response = post(client, WebhookKey(), [event(ceo, "bounce", reason="forged")])
    assert response.status_code == 403
    assert statuses(signed) == {CEO[2]: "sent"}
    assert stored_events(signed) == 0


def test_garbage_signature_is_refused(signed, client, key):
    """A signature header that is not base64 DER is a bad signature, not a server error."""
    [ceo] = sent_letters(signed, [CEO]).values()
    for signature in ("not base64!", base64.b64encode(b"not DER").decode(), "é"):
        headers = {
            "X-Twilio-Email-Event-Webhook-Signature": signature,
            "X-Twilio-Email-Event-Webhook-Timestamp": str(int(time.time())),
        }
        assert post(client, key, [event(ceo, "delivered")], headers=headers).status_code == 403
    assert statuses(signed) == {CEO[2]: "sent"}


def test_missing_signature_headers_are_refused(signed, client, key):
    """Without both signature headers nothing is accepted."""
    [ceo] = sent_letters(signed, [CEO]).values()
    events = [event(ceo, "delivered")]
    good = key.headers(json.dumps(events).encode())
    for name in (*good, None):
        headers = {k: v for k, v in good.items() if k != name} if name else {}
        assert post(client, key, events, headers=headers).status_code == 403
    assert statuses(signed) == {CEO[2]: "sent"}
    assert stored_events(signed) == 0


def test_stale_or_future_timestamp_is_refused(signed, client, key):
    """A correctly signed post from over ten minutes ago (or from the future) is a replay."""
    [ceo] = sent_letters(signed, [CEO]).values()
    events = [event(ceo, "bounce", reason="550 replayed")]
    now = int(time.time())
    assert post(client, key, events, timestamp=now - 11 * 60).status_code == 403
    assert post(client, key, events, timestamp=now + 10 * 60).status_code == 403
    signed.config["SENDGRID_WEBHOOK_MAX_AGE"] = 60
    assert post(client, key, events, timestamp=now - 120).status_code == 403
    assert statuses(signed) == {CEO[2]: "sent"}
    assert post(client, key, events, timestamp=now - 30).status_code == 200
    assert statuses(signed) == {CEO[2]: "bounced"}


def test_tampered_body_with_an_old_valid_signature_is_refused(signed, client, key):
    """A captured signature does not cover a different body, even with its own timestamp."""
    [ceo] = sent_letters(signed, [CEO]).values()
    captured = json.dumps([event(ceo, "delivered")]).encode()
    headers = key.headers(captured)
    tampered = json.dumps([event(ceo, "bounce", reason="550 tampered")]).encode()
    response = client.post(URL, data=tampered, headers=headers, content_type="application/json")
    assert response.status_code == 403
    assert statuses(signed) == {CEO[2]: "sent"}


def delivery_jobs(app) -> list[list[int]]:
    """The message ids of each letter-delivery job waiting on the real mail queue."""
    with app.app_context():
        return [
            job.args[0]
            for job in queues.queue("mail").get_jobs()
            if job.func_name == "campaigns.letters.tasks.deliver_messages"
        ]


def test_duplicated_events_are_applied_once(signed, client, key):
    """The same sg_event_id twice in one post, and again in a later post, counts once."""
    sent = sent_letters(signed, [CEO, COO], fallback=DESK)
    before = delivery_jobs(signed)
    ceo, coo = sent[CEO[2]], sent[COO[2]]
    bounce = event(ceo, "bounce", reason="550 gone")
    first = post(client, key, [bounce, bounce, event(coo, "delivered"), bounce])
    assert first.get_json() == {"applied": 2, "duplicate": 2, "fallbacks": 1}
    again = post(client, key, [bounce, event(coo, "delivered")])
    assert again.get_json() == {"duplicate": 2, "fallbacks": 0}
    assert stored_events(signed) == 2
    queued = delivery_jobs(signed)[len(before) :]
    assert len(queued) == 1 and len(queued[0]) == 1
    assert statuses(signed) == {CEO[2]: "bounced", COO[2]: "delivered", DESK[2]: "queued"}


def test_unknown_messages_are_recorded_and_ignored(signed, client, key):
    """Events about mail that is not one of our letters are accepted and change nothing."""
    [ceo] = sent_letters(signed, [CEO]).values()
    stranger = {**ceo, "id": 999999}
    events = [
        event(stranger, "bounce", reason="550 nobody"),
        event(ceo, "bounce", 2, message_id="99999999999999999999", reason="550 too big"),
        event(ceo, "bounce", 3, message_id="not a number", reason="550 garbage"),
        # A supporter's confirmation email: it carries submission_id instead.
        {**event(ceo, "bounce", 4, reason="550 supporter"), "submission_id": "1"},
        # Another installation on the same account numbering its own letters.
        event(ceo, "bounce", 5, sg_message_id="otherinstall.filter0.0", reason="550 staging"),
        {"event": "delivered", "sg_message_id": "unknown.filter0.0", "sg_event_id": "x-1"},
        {"event": "delivered"},
        "not an event",
    ]
    del events[3]["message_id"]
    response = post(client, key, events)
    assert response.status_code == 200
    assert response.get_json() == {"unmatched": 6, "invalid": 2, "fallbacks": 0}
    assert statuses(signed) == {CEO[2]: "sent"}
    with signed.app_context():
        assert db.session.scalars(select(ProviderEvent.message_id)).all() == [None] * 6


def test_events_without_message_id_are_matched_by_sendgrid_message_id(signed, client, key):
    """Without our custom arg the X-Message-Id prefix and the recipient find the letter."""
    sent_letters(signed, [CEO, COO])
    with signed.app_context():
        for message in db.session.scalars(select(Message)):
            message.provider_message_id = "sharedbatchid0000000000"  # one API call for both
        db.session.commit()
    sent = letters(signed)
    coo = sent[COO[2]]
    bounce = event(coo, "bounce", reason="550 unknown user")
    del bounce["message_id"]
    assert post(client, key, [bounce]).get_json() == {"applied": 1, "fallbacks": 0}
    assert statuses(signed) == {CEO[2]: "sent", COO[2]: "bounced"}


def test_bounce_queues_the_letter_to_the_fallback_target(sendgrid_app, sendgrid, run_jobs, key):
    """A permanent bounce sends the same letter to the fallback target, through the worker."""
    sendgrid_app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = key.public
    with sendgrid_app.app_context():
        send_letter(make_letter(targets=[CEO], fallback=DESK), ana())
    run_jobs()
    ceo = letters(sendgrid_app)[CEO[2]]
    blocked = event(ceo, "bounce", type="blocked", reason="554 blocked by policy")
    response = post(sendgrid_app.test_client(), key, [blocked])
    assert response.get_json() == {"applied": 1, "fallbacks": 1}
    after = letters(sendgrid_app)
    assert after[CEO[2]]["status"] == "bounced"
    assert after[CEO[2]]["last_error"] == "blocked: 554 blocked by policy"
    desk = after[DESK[2]]
    assert desk["status"] == "queued"
    run_jobs()
    assert letters(sendgrid_app)[DESK[2]]["status"] == "sent"
    assert sent_message_ids(sendgrid) == [ceo["id"], desk["id"]]
    with sendgrid_app.app_context():
        original, fallback = (db.session.get(Message, m["id"]) for m in (ceo, desk))
        assert fallback.submission_id == original.submission_id
        assert (fallback.subject, fallback.body) == (original.subject, original.body)
        assert (fallback.from_name, fallback.reply_to) == (original.from_name, original.reply_to)
    # The fallback letter bouncing too goes nowhere else.
    desk_bounce = event(letters(sendgrid_app)[DESK[2]], "bounce", reason="550 desk gone")
    assert post(sendgrid_app.test_client(), key, [desk_bounce]).get_json() == {
        "applied": 1,
        "fallbacks": 0,
    }


def test_late_events_never_move_a_letter_backwards(signed, client, key):
    """A delivered or processed event that arrives after the bounce leaves the letter bounced."""
    [ceo] = sent_letters(signed, [CEO]).values()
    post(client, key, [event(ceo, "bounce", reason="550 gone")])
    late = [event(ceo, "processed"), event(ceo, "delivered"), event(ceo, "dropped")]
    assert post(client, key, late).get_json() == {"recorded": 3, "fallbacks": 0}
    after = letters(signed)[CEO[2]]
    assert (after["status"], after["last_error"]) == ("bounced", "550 gone")


def test_events_for_letters_not_with_the_provider_change_nothing(signed, client, key):
    """Held and queued letters are not with SendGrid yet: their events are only recorded."""
    with signed.app_context():
        send_letter(make_letter(targets=[CEO], requires_confirmation=True), ana())
        send_letter(make_letter(targets=[COO]), ana(email="bo@example.org"))
    before = letters(signed)
    assert statuses(signed) == {CEO[2]: "held", COO[2]: "queued"}
    events = [event(m, "delivered") for m in before.values()]
    events += [event(m, "bounce", reason="550") for m in before.values()]
    assert post(client, key, events).get_json() == {"recorded": 4, "fallbacks": 0}
    assert statuses(signed) == {CEO[2]: "held", COO[2]: "queued"}


def test_without_a_public_key_the_webhook_is_unavailable(app, client, key):
    """No configured key means 503 (SendGrid retries later), never unsigned acceptance."""
    [ceo] = sent_letters(app, [CEO]).values()
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = ""
    assert post(client, key, [event(ceo, "bounce")]).status_code == 503
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = "not a key"
    assert post(client, key, [event(ceo, "bounce")]).status_code == 503
    assert statuses(app) == {CEO[2]: "sent"}
    assert stored_events(app) == 0


def test_signed_body_that_is_not_an_event_list_is_a_bad_request(signed, client, key):
    """A verified body must still be a JSON array of events."""
    for body in (b'{"event": "delivered"}', b"not json"):
        response = client.post(URL, data=body, headers=key.headers(body))
        assert response.status_code == 400


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_posts_of_one_event_apply_it_once(app):
    """Two posts racing with the same bounce store it once and write one fallback letter."""
    [ceo] = sent_letters(app, [CEO], fallback=DESK).values()
    bounce = [event(ceo, "bounce", reason="550 gone")]
    barrier = threading.Barrier(2, timeout=30)
    results = []

    def work():
        with app.app_context():
            barrier.wait()
            results.append(record_events(bounce))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.get("duplicate", 0) for r in results) == [0, 1]
    assert stored_events(app) == 1
    assert statuses(app) == {CEO[2]: "bounced", DESK[2]: "queued"}
