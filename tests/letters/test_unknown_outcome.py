"""A send that SendGrid never answers may have gone out: the letter is not sent again
blindly. SendGrid's events (matched by the letter's own id) settle it; without any within the
grace period it is failed with the reason, and only the organizer's retry sends it again."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns import mail
from campaigns.extensions import db
from campaigns.letters.compose import send_letter
from campaigns.letters.provider_events import record_events
from campaigns.letters.recovery import retry_failed
from campaigns.letters.tasks import deliver_messages, sweep_messages
from campaigns.models import Message, MessageStatus, utcnow
from campaigns.submissions.signing import Signer
from tests.factories import make_letter
from tests.letters.conftest import sent_message_ids

CEO = ("Pat Boss", "CEO", "ceo@acme.example")


@pytest.fixture
def hanging(sendgrid_app, sendgrid):
    """SendGrid that takes the first letter call and answers it only after the client gave up."""
    sendgrid_app.config["SENDGRID_TIMEOUT"] = 1
    calls = []

    def hold(body):
        calls.append(body)
        return len(calls) == 1

    sendgrid.hold = hold
    yield sendgrid_app
    sendgrid.release.set()


def _one_letter(app) -> int:
    with app.app_context():
        action = make_letter(targets=[CEO])
        send_letter(action, Signer(first_name="Ana", last_name="Ruiz", email="ana@example.org"))
        return db.session.scalars(select(Message.id)).one()


def _message(app, message_id):
    with app.app_context():
        return db.session.get(Message, message_id)


def test_a_timed_out_send_raises_unknown_outcome(hanging, sendgrid):
    with hanging.app_context(), pytest.raises(mail.UnknownOutcomeMailError):
        mail.send(mail.EmailMessage(to="a@example.org", subject="s", text="t"))
    assert len(sendgrid.mail_sends()) == 1


def test_a_refused_connection_stays_a_plain_temporary_failure(sendgrid_app, sendgrid):
    """Nothing went out, so trying again is safe."""
    sendgrid.stop()
    with sendgrid_app.app_context(), pytest.raises(mail.TemporaryMailError) as err:
        mail.send(mail.EmailMessage(to="a@example.org", subject="s", text="t"))
    assert not isinstance(err.value, mail.UnknownOutcomeMailError)
    sendgrid.start = lambda: None


def test_an_unanswered_letter_waits_and_its_events_settle_it(hanging, sendgrid):
    message_id = _one_letter(hanging)
    with hanging.app_context():
        assert deliver_messages([message_id]) == {"unknown": 1}
        assert _message(hanging, message_id).status == MessageStatus.unknown
        assert "waiting for SendGrid" in _message(hanging, message_id).last_error
        # Neither the sweep nor another delivery job sends it again.
        sweep_messages()
        assert deliver_messages([message_id]) == {}
    assert sent_message_ids(sendgrid) == [message_id]
    with hanging.app_context():
        event = {"event": "processed", "sg_event_id": "e1", "message_id": str(message_id)}
        event.update(email=CEO[2], timestamp=int(time.time()), sg_message_id="abc.filter-1")
        record_events([event])
        assert _message(hanging, message_id).status == MessageStatus.sent
        record_events([{**event, "event": "delivered", "sg_event_id": "e2"}])
        assert _message(hanging, message_id).status == MessageStatus.delivered


def test_without_events_it_fails_after_the_grace_and_the_organizer_resends(hanging, sendgrid):
    message_id = _one_letter(hanging)
    with hanging.app_context():
        deliver_messages([message_id])
        sweep_messages()
        assert _message(hanging, message_id).status == MessageStatus.unknown
        grace = hanging.config["UNKNOWN_OUTCOME_GRACE_MINUTES"]
        message = db.session.get(Message, message_id)
        message.claimed_at = utcnow() - timedelta(minutes=grace + 1)
        db.session.commit()
        assert sweep_messages()["unanswered"] == 1
        failed = _message(hanging, message_id)
        assert failed.status == MessageStatus.failed
        assert "may not have gone out" in failed.last_error
        assert sent_message_ids(sendgrid) == [message_id]
        # The organizer's one click: now, and only now, it goes again.
        assert retry_failed(failed.action_id) == 1
        assert deliver_messages([message_id]) == {"sent": 1}
    assert sent_message_ids(sendgrid) == [message_id, message_id]


def test_an_unanswered_digest_is_not_sent_again(hanging, sendgrid):
    """A daily digest whose send timed out may have reached the target: its letters wait,
    unknown, are not bundled again, and fail after the grace for the organizer to decide."""
    from campaigns.letters.tasks import send_digests
    from campaigns.models import LetterSettings

    with hanging.app_context():
        action = make_letter(targets=[CEO])
        settings = db.session.get(LetterSettings, action.id)
        settings.hourly_cap_per_target, settings.over_cap = 1, "digest"
        db.session.commit()
        for n in range(3):
            send_letter(action, Signer("Ana", f"Ruiz{n}", f"w{n}@example.org"))
        ids = list(db.session.scalars(select(Message.id)))
        hanging.config["SENDGRID_TIMEOUT"] = 15
        sendgrid.hold = None
        assert deliver_messages(ids) == {"sent": 1, "postponed": 2}
        hanging.config["SENDGRID_TIMEOUT"] = 1
        sendgrid.hold = lambda body: "digest_target_id" in body.get("custom_args", {})
        assert send_digests() == {"unknown": 2}
        assert send_digests() == {}  # nothing bundled is left to send again
        rows = db.session.scalars(select(Message).where(Message.status == MessageStatus.unknown))
        unknown = rows.all()
        assert len(unknown) == 2 and "may have gone out" in unknown[0].last_error
        for message in unknown:
            message.claimed_at = utcnow() - timedelta(minutes=31)
        db.session.commit()
        assert sweep_messages()["unanswered"] == 2
    digests = [
        r for r in sendgrid.mail_sends() if "digest_target_id" in r.body.get("custom_args", {})
    ]
    assert len(digests) == 1
