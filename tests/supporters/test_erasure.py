"""Staff erase a person on request: gone everywhere, the counts stay exact, the audit log
says an erasure happened without saying who."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import (
    ActionHourlyCount,
    AuditEvent,
    Message,
    MessageStatus,
    OutboxEmail,
    Role,
    Submission,
    Supporter,
    Tagging,
    Target,
    utcnow,
)
from campaigns.supporters import erasure
from campaigns.supporters import lists as supporters
from campaigns.tracking import counts
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

EARLIER = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def bucket_totals(action_id: int) -> tuple[int, int]:
    signed, confirmed = db.session.execute(
        select(
            func.coalesce(func.sum(ActionHourlyCount.signed), 0),
            func.coalesce(func.sum(ActionHourlyCount.confirmed), 0),
        ).where(ActionHourlyCount.action_id == action_id)
    ).one()
    return signed, confirmed


def recount(action_id: int) -> tuple[int, int]:
    return db.session.execute(
        select(func.count(), func.count(Submission.confirmed_at)).where(
            Submission.action_id == action_id
        )
    ).one()


@pytest.mark.both_databases
def test_erasure_keeps_counts_exact_whatever_was_tallied(app):
    """People erased before, between and after tallies leave the buckets equal to a recount
    of the submissions that remain."""
    with app.app_context():
        org = make_organization()
        petition = make_petition(make_campaign(org))
        other = make_petition(make_campaign(org))
        fully = make_supporter(org, (petition, other), confirmed=True, signed_at=EARLIER)
        signed_only = make_supporter(org, (petition,), signed_at=EARLIER + timedelta(hours=2))
        kept = make_supporter(org, (petition,), confirmed=True)
        counts.tally_all()
        # Confirms after the tally: counted as a signature, its confirmation not yet.
        db.session.execute(
            Submission.__table__.update()
            .where(Submission.supporter_id == signed_only.id)
            .values(confirmed_at=utcnow())
        )
        db.session.commit()
        untallied = make_supporter(org, (petition,), confirmed=True)
        assert bucket_totals(petition.id) == (3, 2)

        for person in (fully, signed_only, untallied):
            erasure.erase(org, person.id, None)
        counts.tally_all()
        assert bucket_totals(petition.id) == recount(petition.id) == (1, 1)
        assert bucket_totals(other.id) == recount(other.id) == (0, 0)
        assert counts.for_action(db.session.get(type(petition), petition.id)).signed == 1
        assert db.session.get(Supporter, kept.id) is not None


@pytest.mark.both_databases
def test_erasure_removes_the_person_everywhere(app, client, login, csrf):
    """Supporter, submissions, letters, tags and outbox copies go; the audit event holds
    numbers only; others are untouched."""
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        petition = make_petition(make_campaign(org))
        person = make_supporter(
            org, (petition,), first_name="Rosa", last_name="Secreta", email="rosa@example.org"
        )
        neighbour = make_supporter(org, (petition,), email="neighbour@example.org")
        supporters.add_tag(org, person, "steward")
        supporters.add_tag(org, neighbour, "steward")
        target = Target(organization_id=org.id, name="Boss", title="CEO", email="b@acme.example")
        db.session.add(target)
        db.session.flush()
        submission = db.session.scalar(
            select(Submission).where(Submission.supporter_id == person.id)
        )
        db.session.add(
            Message(
                action_id=petition.id,
                submission_id=submission.id,
                target_id=target.id,
                status=MessageStatus.sent,
                to_email=target.email,
                from_name="Rosa Secreta via Local",
                reply_to="rosa@example.org",
                subject="Bargain",
                body="From Rosa",
                provider_message_id="outbox-letter-1",
            )
        )
        for message_id, to in [
            ("outbox-confirm-1", "Rosa Secreta <rosa@example.org>"),
            ("outbox-letter-1", "Boss <b@acme.example>"),
            ("outbox-other", "neighbour@example.org"),
        ]:
            db.session.add(
                OutboxEmail(
                    organization_id=org.id,
                    message_id=message_id,
                    from_address="x@example.org",
                    to_address=to,
                    subject="s",
                    text_body="b",
                )
            )
        db.session.commit()
        person_id, neighbour_id = person.id, neighbour.id
    login("staff@example.org")
    url = f"/organize/local-1/supporters/{person_id}"
    token = csrf(url)
    # Without the box ticked nothing happens.
    client.post(f"{url}/erase", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Supporter, person_id) is not None
    response = client.post(f"{url}/erase", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    assert client.get(url).status_code == 404
    with app.app_context():
        assert db.session.get(Supporter, person_id) is None
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
        assert [s.supporter_id for s in db.session.scalars(select(Submission))] == [neighbour_id]
        assert [t.supporter_id for t in db.session.scalars(select(Tagging))] == [neighbour_id]
        assert db.session.scalars(select(OutboxEmail.message_id)).all() == ["outbox-other"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "supporter_erased"))
        assert event.actor.email == "staff@example.org"
        assert event.details == {"submissions": 1, "messages": 1, "outbox": 2}
        text = f"{event.subject} {event.details}"
        assert "Rosa" not in text and "rosa@" not in text and "Secreta" not in text


def test_erasure_needs_a_recent_password(app, client, login, csrf):
    """An erasure asked for long after the login asks for the password again first."""
    from campaigns.organize import sessions

    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.owner, email="owner@example.org")
        person_id = make_supporter(org, ()).id
    login("owner@example.org")
    url = f"/organize/local-1/supporters/{person_id}"
    token = csrf(url)
    with client.session_transaction() as session:
        session[sessions.AUTH_AT] -= 3600
    response = client.post(f"{url}/erase", data={"csrf_token": token, "confirm": "y"})
    assert "/organize/reauth" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Supporter, person_id) is not None
