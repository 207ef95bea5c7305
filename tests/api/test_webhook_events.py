"""Each event reaches the endpoints subscribed to it, from the service where it happens."""

from __future__ import annotations

import json

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.letters.compose import send_letter
from campaigns.letters.provider_events import record_events
from campaigns.models import Message, MessageStatus, Organization, Submission, Supporter
from campaigns.submissions import confirmation, subscriptions
from campaigns.submissions.signing import Signer
from tests.api.webhooks_support import add_endpoint, sign_petition
from tests.factories import make_campaign, make_letter


def events_received(receiver) -> list[dict]:
    return [json.loads(r["body"]) for r in receiver.received]


def test_confirming_and_unsubscribing_are_posted(hook_app, org_id, petition_id, receiver, run_jobs):
    add_endpoint(
        hook_app,
        org_id,
        receiver.url,
        ["submission.confirmed", "person.unsubscribed"],
    )
    submission_id = sign_petition(hook_app, petition_id)
    with hook_app.app_context():
        assert confirmation.confirm(db.session.get(Submission, submission_id))
        subscriptions.unsubscribe(db.session.scalars(select(Supporter)).one())
    run_jobs()
    received = events_received(receiver)
    # submission.created is not subscribed to, so it is not sent.
    assert sorted(e["event"] for e in received) == ["person.unsubscribed", "submission.confirmed"]
    confirmed = next(e for e in received if e["event"] == "submission.confirmed")
    assert confirmed["data"]["submission"]["confirmed"] is True


def test_a_bounced_letter_is_posted(hook_app, org_id, receiver, run_jobs):
    add_endpoint(hook_app, org_id, receiver.url, ["message.delivered", "message.bounced"])
    with hook_app.app_context():
        campaign = make_campaign(organization=db.session.get(Organization, org_id))
        letter = make_letter(campaign, targets=[("Pat Boss", "CEO", "ceo@corp.example")])
        send_letter(letter, Signer("Ana", "Ruiz", "ana@example.org"))
        message = db.session.scalars(select(Message)).one()
        message.status = MessageStatus.sent
        db.session.commit()
        record_events(
            [
                {
                    "event": "bounce",
                    "sg_event_id": "evt-1",
                    "message_id": str(message.id),
                    "email": "ceo@corp.example",
                    "timestamp": 1700000000,
                }
            ]
        )
    run_jobs()
    bounced = [e for e in events_received(receiver) if e["event"] == "message.bounced"]
    assert len(bounced) == 1
    assert bounced[0]["data"]["message"]["status"] == "bounced"
