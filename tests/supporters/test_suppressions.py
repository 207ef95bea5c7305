"""Staff keep a suppression list that every email of the organization honours; addresses are
stored only as keyed fingerprints."""

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import AuditEvent, OutboxEmail, Role, Submission, Suppression
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.submissions.test_confirmation_email import sign_through_page

ORG = "/organize/local-1"


@pytest.fixture
def org(app):
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        return org.id


def suppress(client, csrf, email, reason="asked by phone"):
    return client.post(
        f"{ORG}/suppressions",
        data={"csrf_token": csrf(f"{ORG}/suppressions"), "email": email, "reason": reason},
        follow_redirects=True,
    )


@pytest.mark.both_databases
def test_no_confirmation_reaches_a_suppressed_address(app, client, login, csrf, run_jobs, org):
    """A suppressed person who signs is counted, but the confirmation is not sent (recorded
    as a permanent failure); others still get theirs."""
    login("staff@example.org")
    # Suppressed in one spelling, signing in another: the canonical form matches.
    suppress(client, csrf, "Maria.Lopez@gmail.com")
    with app.app_context():
        from campaigns.models import Organization

        slug = make_petition(
            make_campaign(db.session.get(Organization, org)), requires_confirmation=True
        ).slug
    sign_through_page(client, csrf, slug, email="marialopez+petition@gmail.com")
    sign_through_page(client, csrf, slug, email="ana@example.org")
    run_jobs()
    with app.app_context():
        sent = db.session.scalars(select(OutboxEmail.to_address)).all()
        assert len(sent) == 1 and "ana@example.org" in sent[0]
        errors = {
            s.supporter.email: s.confirmation_error for s in db.session.scalars(select(Submission))
        }
        assert "suppression list" in errors["marialopez+petition@gmail.com"]
        assert errors["ana@example.org"] is None


def test_the_list_stores_fingerprints_and_is_audited(app, client, login, csrf, org):
    """The address is not stored; adding twice says so; removing works; both are audited
    without the address."""
    login("staff@example.org")
    added = suppress(client, csrf, "rosa@example.org")
    assert "Added." in added.get_data(as_text=True)
    again = suppress(client, csrf, "ROSA@example.org ")
    assert "on the list already" in again.get_data(as_text=True)
    with app.app_context():
        [entry] = db.session.scalars(select(Suppression)).all()
        assert "rosa" not in entry.email_hash and len(entry.email_hash) == 64
        entry_id = entry.id
    page = client.get(f"{ORG}/suppressions").get_data(as_text=True)
    assert "rosa@example.org" not in page and "asked by phone" in page
    client.post(
        f"{ORG}/suppressions/{entry_id}/remove",
        data={"csrf_token": csrf(f"{ORG}/suppressions")},
    )
    with app.app_context():
        assert db.session.scalars(select(Suppression)).all() == []
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        kinds = [e.kind for e in events if e.kind.startswith("suppression")]
        assert kinds == ["suppression_added", "suppression_removed"]
        assert all("rosa" not in f"{e.subject} {e.details}" for e in events)


def test_another_organizations_list_does_not_apply(app):
    """Suppression is per organization: another organization's mail still goes out."""
    from campaigns import mail
    from campaigns.mail import suppressions

    with app.app_context():
        ours, theirs = make_organization(), make_organization()
        user = make_user(ours)
        suppressions.add(ours, user, "lee@example.org", "")
        message = mail.EmailMessage(to="lee@example.org", subject="s", text="t")
        message.organization_id = theirs.id
        assert mail.send(message).startswith("outbox-")
        message.organization_id = ours.id
        with pytest.raises(mail.PermanentMailError):
            mail.send(message)
