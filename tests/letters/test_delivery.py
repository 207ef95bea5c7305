import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.letters.compose import Letter, LetterError, send_letter
from campaigns.letters.recovery import retry_failed
from campaigns.letters.tasks import deliver_messages, sweep_messages
from campaigns.models import Message, MessageStatus, Submission, utcnow
from campaigns.submissions.confirmation import confirm
from campaigns.submissions.signing import Signer
from tests.factories import make_campaign, make_letter, make_organization
from tests.letters.conftest import letter_requests, sent_message_ids
from tests.support.sendgrid_server import Reply

CEO = ("Pat Boss", "CEO", "ceo@acme.example")
COO = ("Lee Chief", "COO", "coo@acme.example")


def ana(**overrides) -> Signer:
    values = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": "ana@example.org",
        "city": "Fresno",
    }
    values.update(overrides)
    return Signer(**values)


def statuses(app) -> Counter:
    with app.app_context():
        return Counter(m.status.value for m in db.session.scalars(select(Message)))


@pytest.mark.both_databases
def test_letter_goes_to_each_target_from_the_organization_in_the_supporters_name(
    sendgrid_app, sendgrid, run_jobs
):
    """One message per target, From our address as "Ana Ruiz via Local 42", Reply-To Ana."""
    with sendgrid_app.app_context():
        org = make_organization(name="Local 42")
        make_letter(make_campaign(org), targets=[CEO, COO])
        from campaigns.models import Action

        action = db.session.scalars(select(Action)).one()
        send_letter(action, ana())
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 2}
    people = {}
    for request in letter_requests(sendgrid):  # each letter names its target: one call each
        assert request.body["reply_to"] == {"email": "ana@example.org"}
        for p in request.body["personalizations"]:
            people[p["to"][0]["email"]] = p
    assert set(people) == {"ceo@acme.example", "coo@acme.example"}
    for p in people.values():
        assert p["from"] == {"email": "action@local42.example", "name": "Ana Ruiz via Local 42"}
    with sendgrid_app.app_context():
        ceo_letter = db.session.scalars(
            select(Message).where(Message.to_email == "ceo@acme.example")
        ).one()
        assert ceo_letter.subject == "Bargain in good faith, Pat Boss"
        assert ceo_letter.body.startswith("Dear CEO Pat Boss,")
        assert ceo_letter.body.endswith("Ana Ruiz")
        assert ceo_letter.provider_message_id


def test_shared_text_goes_in_one_call(sendgrid_app, sendgrid, run_jobs):
    """Letters with the same text and sender share one API call, one personalization each."""
    with sendgrid_app.app_context():
        action = make_letter(
            targets=[CEO, COO, ("Sam Owner", "Owner", "owner@acme.example")],
            subject="Bargain now",
            body="Respect the union.\n{supporter_name}",
        )
        send_letter(action, ana())
    run_jobs()
    [request] = letter_requests(sendgrid)
    assert len(request.body["personalizations"]) == 3
    assert sorted(sent_message_ids(sendgrid)) == [1, 2, 3]
    assert statuses(sendgrid_app) == {"sent": 3}


def test_letters_wait_for_confirmation(sendgrid_app, sendgrid, run_jobs):
    """Nobody sends mail in another person's name: letters go only after confirmation."""
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO], requires_confirmation=True)
        result = send_letter(action, ana())
        submission_id = result.submission.id
    run_jobs()
    assert statuses(sendgrid_app) == {"held": 1}
    assert sent_message_ids(sendgrid) == []
    with sendgrid_app.app_context():
        confirm(db.session.get(Submission, submission_id))
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 1}


def test_edited_letter_is_used_only_where_allowed(app):
    """Supporters' edits are sent where the organizer allows edits, ignored where not."""
    with app.app_context():
        open_letter = make_letter(targets=[CEO], editable=True)
        fixed_letter = make_letter(targets=[COO], editable=False)
        mine = Letter("My own words, {target_name}", "Please, {target_title}.")
        send_letter(open_letter, ana(), mine)
        send_letter(fixed_letter, ana(), mine)
        by_target = {m.to_email: m for m in db.session.scalars(select(Message))}
        assert by_target["ceo@acme.example"].subject == "My own words, Pat Boss"
        assert by_target["coo@acme.example"].subject == "Bargain in good faith, Lee Chief"


def test_fallback_target_when_no_target_has_an_address(app):
    """Targets with no email (like members of Congress) fall back to the organizer's choice."""
    with app.app_context():
        action = make_letter(
            targets=[("Sen. Smith", "Senator", None)],
            fallback=("Campaign desk", "Staff", "desk@union.example"),
        )
        send_letter(action, ana())
        assert [m.to_email for m in db.session.scalars(select(Message))] == ["desk@union.example"]


def test_letter_without_any_recipient_is_refused(app):
    """With nobody to write to, the supporter gets a clear error and nothing is stored."""
    with app.app_context():
        action = make_letter(targets=[("Sen. Smith", "Senator", None)])
        with pytest.raises(LetterError):
            send_letter(action, ana())
        assert db.session.scalars(select(Submission)).all() == []


@pytest.mark.both_databases
def test_two_workers_never_send_one_message(sendgrid_app, sendgrid):
    """Two jobs racing over the same messages send each exactly once (the claim is atomic)."""
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        for n in range(12):
            send_letter(action, ana(email=f"person{n}@example.org"))
        ids = list(db.session.scalars(select(Message.id)))
    barrier = threading.Barrier(2, timeout=30)

    def work():
        with sendgrid_app.app_context():
            barrier.wait()
            deliver_messages(ids)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(sent_message_ids(sendgrid)) == Counter(ids)
    assert statuses(sendgrid_app) == {"sent": 12}


def test_rate_limit_honours_reset_then_fails_after_last_try(sendgrid_app, sendgrid):
    """A 429 waits until X-RateLimit-Reset; after the last try the letter is failed, with why."""
    reset = int(time.time()) + 900
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        send_letter(action, ana())
        [message_id] = db.session.scalars(select(Message.id))
        for attempt in range(1, 7):
            sendgrid.replies.append(Reply(429, {"X-RateLimit-Reset": str(reset)}, {"errors": []}))
            deliver_messages([message_id])
            message = db.session.get(Message, message_id)
            if attempt < 6:
                assert message.status == MessageStatus.queued
                wait = (message.due_at - utcnow()).total_seconds()
                assert 850 < wait <= 3600
                message.due_at = utcnow()  # time passes
                db.session.commit()
        assert message.status == MessageStatus.failed
        assert message.attempts == 6
        assert "429" in message.last_error


def test_server_errors_then_recovery_sends_once(sendgrid_app, sendgrid):
    """The provider fails twice, then recovers: the letter is sent once, after three tries."""
    sendgrid.replies += [Reply(500, body={"errors": []}), Reply(503, body={"errors": []})]
    with sendgrid_app.app_context():
        send_letter(make_letter(targets=[CEO]), ana())
        [message_id] = db.session.scalars(select(Message.id))
        for _ in range(3):
            deliver_messages([message_id])
            message = db.session.get(Message, message_id)
            message.due_at = min(message.due_at, utcnow())
            db.session.commit()
        assert message.status == MessageStatus.sent
        assert message.attempts == 3
    assert sent_message_ids(sendgrid) == [message_id] * 3  # two refused, one accepted


def test_a_rejected_address_does_not_sink_its_batch(sendgrid_app, sendgrid):
    """A 400 on a batch falls back to single sends; only the bad letter fails."""
    sendgrid.replies += [
        Reply(400, body={"errors": [{"message": "bad address"}]}),  # the batch
        Reply(202),  # first single
        Reply(400, body={"errors": [{"message": "invalid email"}]}),  # second single
    ]
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO, COO], subject="Bargain", body="Bargain now.")
        send_letter(action, ana())
        deliver_messages(list(db.session.scalars(select(Message.id))))
    assert statuses(sendgrid_app) == {"sent": 1, "failed": 1}
    with sendgrid_app.app_context():
        failed = db.session.scalars(
            select(Message).where(Message.status == MessageStatus.failed)
        ).one()
        assert "invalid email" in failed.last_error
        assert failed.attempts == 1


def test_retry_failed_button(sendgrid_app, sendgrid, run_jobs):
    """Failed letters can be tried again from the delivery page and then go out."""
    sendgrid.replies.append(Reply(400, body={"errors": [{"message": "suppressed"}]}))
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        send_letter(action, ana())
        action_id = action.id
    run_jobs()
    assert statuses(sendgrid_app) == {"failed": 1}
    with sendgrid_app.app_context():
        assert retry_failed(action_id) == 1
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 1}


@pytest.mark.both_databases
def test_redis_restart_loses_no_letter(sendgrid_app, sendgrid, run_jobs):
    """Queued jobs vanish with Redis; the sweep finds the letters in the database and sends."""
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO, COO])
        for n in range(3):
            send_letter(action, ana(email=f"p{n}@example.org"))
        from campaigns.extensions import queues

        queues.connection.flushall()  # Redis came back empty
        assert sweep_messages() == {
            "stranded": 0,
            "overdue": 0,
            "unanswered": 0,
            "addresses_forgotten": 0,
        }  # not overdue yet
        for message in db.session.scalars(select(Message)):
            message.due_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert sweep_messages() == {
            "stranded": 0,
            "overdue": 6,
            "unanswered": 0,
            "addresses_forgotten": 0,
        }
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 6}
    assert sorted(Counter(sent_message_ids(sendgrid)).values()) == [1] * 6


def test_letters_written_together_share_one_delivery_job(sendgrid_app, sendgrid, run_jobs):
    """Many supporters writing before a worker runs make one delivery job, not one each;
    a letter written after that job started gets a job of its own."""
    from rq import Queue

    from campaigns.extensions import queues

    def delivery_jobs() -> int:
        mail = Queue("mail", connection=queues.connection)
        return sum(1 for job in mail.get_jobs() if job.func_name.endswith("deliver_action"))

    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        action_id = action.id
        for n in range(5):
            send_letter(action, ana(email=f"p{n}@example.org"))
        assert delivery_jobs() == 1
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 5}
    with sendgrid_app.app_context():
        from campaigns.models import Action

        send_letter(db.session.get(Action, action_id), ana(email="late@example.org"))
        assert delivery_jobs() == 1
    run_jobs()
    assert statuses(sendgrid_app) == {"sent": 6}
    assert sorted(Counter(sent_message_ids(sendgrid)).values()) == [1] * 6
