import re
from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from campaigns.extensions import db, queues
from campaigns.models import OutboxEmail, Submission, utcnow
from campaigns.submissions.confirmation_mail import PENDING_KEY
from campaigns.submissions.tasks import sweep_confirmations
from tests.conftest import csrf_from
from tests.factories import from_new_address, make_petition, signer_form
from tests.support.sendgrid_server import Reply


def sign_through_page(client, csrf, slug, **fields):
    data = {**signer_form(**fields), "csrf_token": csrf(f"/a/{slug}")}
    resp = client.post(f"/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 302, resp.get_data(as_text=True)


def outbox(app) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


@pytest.mark.both_databases
def test_worker_delivers_confirmation_and_its_link_confirms(app, client, csrf, run_jobs):
    """Signing queues an email; a real worker sends it; its link and button confirm."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    sign_through_page(client, csrf, slug, email="ana@example.org", first_name="Ana")
    assert outbox(app) == []  # nothing is sent inside the request

    run_jobs()
    [email] = outbox(app)
    assert "ana@example.org" in email.to_address
    assert email.subject.startswith("Please confirm your signature")
    assert "Hello Ana," in email.text_body
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.headers["List-Unsubscribe"].startswith("<http://campaigns.test/unsubscribe/")

    link = re.search(r"http://campaigns\.test(/a/\S+/confirm/\S+)", email.text_body).group(1)
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.confirmed_at is not None
        assert submission.confirmation_sent_at is not None


def test_spanish_signer_gets_spanish_email(app, client, csrf, run_jobs):
    """The email is written in the language the supporter signed in."""
    with app.app_context():
        slug = make_petition(title_es="Salario justo ya").slug
    client.get("/lang/es")
    sign_through_page(client, csrf, slug, first_name="Rosa")
    run_jobs()
    [email] = outbox(app)
    assert "Salario justo ya" in email.subject
    assert "Hola, Rosa" in email.text_body
    assert "Gracias por firmar" in email.text_body


def test_duplicate_unconfirmed_signature_resends_the_email(app, client, csrf, run_jobs):
    """Signing again before confirming sends the confirmation again; no second signature."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    sign_through_page(client, csrf, slug, email="ana@example.org")
    run_jobs()
    sign_through_page(client, csrf, slug, email="ana@example.org")
    run_jobs()
    assert len(outbox(app)) == 2
    with app.app_context():
        assert len(db.session.scalars(select(Submission)).all()) == 1


def test_job_for_a_sent_confirmation_does_not_send_twice(app, client, csrf, run_jobs):
    """A first-send job that runs again (retried, swept) sends nothing the second time."""
    from campaigns.submissions.tasks import send_confirmation

    with app.app_context():
        slug = make_petition().slug
    sign_through_page(client, csrf, slug)
    run_jobs()
    with app.app_context():
        submission_id = db.session.scalars(select(Submission.id)).one()
        assert send_confirmation(submission_id) is None
    assert len(outbox(app)) == 1


def test_sendgrid_backend_through_the_worker(sendgrid_app, sendgrid, client, csrf, run_jobs):
    """With MAIL_BACKEND=sendgrid the worker posts the confirmation to the provider."""
    with sendgrid_app.app_context():
        slug = make_petition().slug
    sign_through_page(client, csrf, slug, email="rosa@example.org")
    run_jobs()
    [request] = sendgrid.mail_sends()
    body = request.body
    assert body["personalizations"][0]["to"][0]["email"] == "rosa@example.org"
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/confirm/" in body["content"][0]["value"]
    assert body["custom_args"]["submission_id"]


def test_temporary_failure_is_retried_with_back_off(sendgrid_app, sendgrid, client, csrf, run_jobs):
    """A 503 leaves the job scheduled for a later try and the email not marked sent."""
    sendgrid.replies.append(Reply(503, body={"errors": [{"message": "try later"}]}))
    with sendgrid_app.app_context():
        slug = make_petition().slug
    sign_through_page(client, csrf, slug)
    run_jobs()
    assert len(sendgrid.mail_sends()) == 1
    with sendgrid_app.app_context():
        registry = ScheduledJobRegistry(queue=Queue("mail", connection=queues.connection))
        assert len(registry.get_job_ids()) == 1
        submission = db.session.scalars(select(Submission)).one()
        assert submission.confirmation_sent_at is None
        assert submission.confirmation_error is None


def test_permanent_failure_is_recorded_and_not_retried(
    sendgrid_app, sendgrid, client, csrf, run_jobs
):
    """A rejected address is recorded on the signature and the sweep leaves it alone."""
    sendgrid.replies.append(Reply(400, body={"errors": [{"message": "invalid address"}]}))
    with sendgrid_app.app_context():
        slug = make_petition().slug
    sign_through_page(client, csrf, slug)
    run_jobs()
    with sendgrid_app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert "invalid address" in submission.confirmation_error
        submission.created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert sweep_confirmations() == 0


def test_sweep_requeues_a_confirmation_lost_with_redis(app, client, csrf, run_jobs):
    """If Redis loses the queued job, the periodic sweep queues it again and it is sent."""
    with app.app_context():
        slug = make_petition().slug
    sign_through_page(client, csrf, slug)
    with app.app_context():
        queues.connection.flushall()  # Redis restarted without persistence
        assert sweep_confirmations() == 0  # within the grace period: maybe still in flight
        submission = db.session.scalars(select(Submission)).one()
        submission.created_at = utcnow() - timedelta(minutes=15)
        db.session.commit()
        assert sweep_confirmations() == 1
        assert sweep_confirmations() == 0  # already queued: not queued twice
    run_jobs()
    assert len(outbox(app)) == 1


def test_a_burst_of_signatures_queues_one_job_that_sends_every_confirmation(
    app, client, csrf, run_jobs
):
    """Five signatures wait in one list for one job, which sends each person their email."""
    with app.app_context():
        slug = make_petition().slug
    for n in range(5):
        sign_through_page(client, csrf, slug, email=f"worker{n}@example.org")
    with app.app_context():
        assert Queue("mail", connection=queues.connection).count == 1
        assert queues.connection.llen(PENDING_KEY) == 5
        submission = db.session.scalars(select(Submission).limit(1)).one()
        submission.created_at = utcnow() - timedelta(minutes=15)
        db.session.commit()
        assert sweep_confirmations() == 0  # still waiting in the list: not queued twice
    run_jobs()
    assert sorted(e.to_address for e in outbox(app)) == [
        f"Maria Garcia <worker{n}@example.org>" for n in range(5)
    ]
    with app.app_context():
        assert queues.connection.llen(PENDING_KEY) == 0


def test_a_confirmation_for_a_submission_not_written_yet_waits_then_is_dropped(app):
    """The list is written before the submission: a uuid not in the database yet is looked
    for again a few seconds later, and after a minute it is given up (never written)."""
    from campaigns.submissions.tasks import send_confirmations

    with app.app_context():
        now = int(utcnow().timestamp())
        queues.connection.rpush(PENDING_KEY, f"not-written-yet {now}", f"never-written {now - 120}")
        assert send_confirmations() == 0
        assert queues.connection.lrange(PENDING_KEY, 0, -1) == [f"not-written-yet {now}".encode()]
        registry = ScheduledJobRegistry(queue=Queue("mail", connection=queues.connection))
        assert len(registry.get_job_ids()) == 1  # the second look, a few seconds from now
