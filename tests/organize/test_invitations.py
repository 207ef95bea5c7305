import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import AuditEvent, Invitation, Membership, OutboxEmail, Role, User, utcnow
from tests.conftest import csrf_from
from tests.factories import make_organization, make_user

LINK = re.compile(r"http://campaigns\.test(/organize/invitations/[A-Za-z0-9_-]+)")


@pytest.fixture
def owner(app, client, login):
    with app.app_context():
        org = make_organization(slug="local-1", name="Local 1")
        make_user(org, Role.owner, email="owner@example.org")
    login("owner@example.org")


def invite(client, csrf, email="new@example.org", role="organizer"):
    return client.post(
        "/organize/local-1/invitations",
        data={"email": email, "role": role, "csrf_token": csrf("/organize/local-1/members")},
    )


def invitation_link(app, to="new@example.org") -> str:
    with app.app_context():
        email = db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address.contains(to))
            .order_by(OutboxEmail.id.desc())
        ).first()
        assert email is not None, "no invitation email in the outbox"
        return LINK.search(email.text_body).group(1)


def accept(client, link, name="Nia Lopez", password="tamales at the picket line"):
    page = client.get(link)
    return client.post(
        link,
        data={
            "name": name,
            "new_password": password,
            "confirm_password": password,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )


@pytest.mark.both_databases
def test_invite_by_email_and_join(app, client, csrf, owner, run_jobs):
    """An owner invites an email; the link in the email lets the person join with a password."""
    resp = invite(client, csrf)
    assert resp.status_code == 302
    members_page = client.get("/organize/local-1/members").get_data(as_text=True)
    assert "new@example.org" in members_page and "being sent" in members_page
    run_jobs(["mail"])
    link = invitation_link(app)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert invitation.sent_at is not None
        assert link.rsplit("/", 1)[1] not in invitation.token_hash  # only the hash is kept
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})

    page = client.get(link)
    assert page.status_code == 200
    assert "as <strong>organizer</strong>" in page.get_data(as_text=True)
    joined = accept(client, link)
    assert joined.status_code == 302
    assert client.get("/organize/local-1/").status_code == 200  # logged in, a member
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "new@example.org")).one()
        assert user.name == "Nia Lopez"
        membership = db.session.scalars(select(Membership).where(Membership.user == user)).one()
        assert membership.role == Role.organizer
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert {"invitation_created", "invitation_accepted", "login"} <= set(kinds)
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    assert client.get(link).status_code == 410  # used once


def test_accepting_applies_the_password_rules(app, client, csrf, owner, run_jobs):
    """The invitee's password must meet the rules; the form says what is wrong."""
    invite(client, csrf, email="nia.lopez@example.org")
    run_jobs(["mail"])
    link = invitation_link(app, "nia.lopez@example.org")
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    resp = accept(client, link, password="nia.lopez forever")
    assert resp.status_code == 422
    assert "name (nia.lopez)" in resp.get_data(as_text=True)
    short = accept(client, link, password="short")
    assert "at least 12 characters" in short.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(User).where(User.email.like("nia%"))).first() is None


def test_expired_links_are_refused(app, client, csrf, owner, run_jobs):
    """A link older than INVITATION_MAX_AGE_DAYS no longer works."""
    invite(client, csrf)
    run_jobs(["mail"])
    link = invitation_link(app)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert invitation.expires_at - utcnow() > timedelta(days=6, hours=23)
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    resp = client.get(link)
    assert resp.status_code == 410
    assert "It expired" in resp.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalars(select(User).where(User.email == "new@example.org")).first() is None
        )


def test_revoked_links_are_refused(app, client, csrf, owner, run_jobs):
    """An owner revokes an invitation; its link stops working at once."""
    invite(client, csrf)
    run_jobs(["mail"])
    link = invitation_link(app)
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id)).one()
    resp = client.post(
        f"/organize/local-1/invitations/{invitation_id}/revoke",
        data={"csrf_token": csrf("/organize/local-1/members")},
    )
    assert resp.status_code == 302
    assert "new@example.org" not in client.get("/organize/local-1/members").get_data(as_text=True)
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    assert client.get(link).status_code == 410
    posted = client.post(
        link,
        data={
            "name": "Nia Lopez",
            "new_password": "tamales at the picket line",
            "confirm_password": "tamales at the picket line",
            "csrf_token": csrf("/organize/login"),
        },
    )
    assert posted.status_code == 410
    with app.app_context():
        assert "invitation_revoked" in db.session.scalars(select(AuditEvent.kind)).all()


def test_sending_again_replaces_the_link(app, client, csrf, owner, run_jobs):
    """Sending an invitation again mails a new link; the earlier one stops working."""
    invite(client, csrf)
    run_jobs(["mail"])
    first = invitation_link(app)
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id)).one()
    client.post(
        f"/organize/local-1/invitations/{invitation_id}/resend",
        data={"csrf_token": csrf("/organize/local-1/members")},
    )
    run_jobs(["mail"])
    second = invitation_link(app)
    assert second != first
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_an_existing_user_joins_after_logging_in(app, client, csrf, login, owner, run_jobs):
    """Someone who has an account logs in from the invitation and joins with it."""
    with app.app_context():
        make_user(make_organization(slug="other"), email="sam@example.org")
    invite(client, csrf, email="Sam@Example.org", role="staff")
    run_jobs(["mail"])
    link = invitation_link(app, "sam@example.org")
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})

    page = client.get(link).get_data(as_text=True)
    assert "Log in to accept" in page
    token = csrf_from(client.get("/organize/login").get_data(as_text=True))
    resp = client.post(
        f"/organize/login?next={link}",
        data={"email": "sam@example.org", "password": "correct horse battery", "csrf_token": token},
    )
    assert resp.headers["Location"] == link
    page = client.get(link).get_data(as_text=True)
    assert "Join Local 1" in page
    joined = client.post(link, data={"csrf_token": csrf_from(page)})
    assert joined.headers["Location"].endswith("/organize/local-1/")
    with app.app_context():
        sam = db.session.scalars(select(User).where(User.email == "sam@example.org")).one()
        roles = {m.organization.slug: m.role for m in sam.memberships}
        assert roles == {"other": Role.owner, "local-1": Role.staff}


def test_another_logged_in_user_cannot_take_the_invitation(
    app, client, csrf, login, owner, run_jobs
):
    """A link opened by someone logged in with another email does not join them."""
    invite(client, csrf)
    run_jobs(["mail"])
    link = invitation_link(app)
    page = client.get(link).get_data(as_text=True)  # the owner, logged in, opens it
    assert "This invitation is for new@example.org" in page
    client.post(link, data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert db.session.scalars(select(Invitation)).one().accepted_at is None


def test_inviting_a_member_or_twice_is_refused(app, client, csrf, owner):
    """An existing member or an email with an invitation waiting is not invited again."""
    assert invite(client, csrf).status_code == 302
    again = invite(client, csrf)
    assert again.status_code == 422
    assert "has an invitation waiting" in again.get_data(as_text=True)
    member = invite(client, csrf, email="owner@example.org")
    assert "is a member already" in member.get_data(as_text=True)


def test_only_owners_invite(app, client, login, csrf):
    """Organizers cannot invite or see invitations; other organizations' owners get 404."""
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.organizer, email="sam@example.org")
        make_user(make_organization(slug="other"), Role.owner, email="boss@example.org")
    login("sam@example.org")
    assert client.get("/organize/local-1/members").status_code == 403
    token = csrf("/organize/local-1/")
    resp = client.post(
        "/organize/local-1/invitations",
        data={"email": "x@example.org", "role": "owner", "csrf_token": token},
    )
    assert resp.status_code == 403
    client.post("/organize/logout", data={"csrf_token": token})
    login("boss@example.org")
    assert client.get("/organize/local-1/members").status_code == 404
