import time

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import AuditEvent, Membership, Role
from tests.conftest import csrf_from
from tests.factories import make_organization, make_user
from tests.support import otp


@pytest.fixture
def team(app):
    """local-1 with an owner (ruth) and an organizer (sam); returns the membership ids."""
    with app.app_context():
        org = make_organization(slug="local-1")
        ruth = make_user(org, Role.owner, email="ruth@example.org", name="Ruth")
        sam = make_user(org, Role.organizer, email="sam@example.org")
        ids = {
            u.email.split("@")[0]: db.session.scalars(
                select(Membership.id).where(Membership.user_id == u.id)
            ).one()
            for u in (ruth, sam)
        }
    return ids


def role_of(app, membership_id):
    with app.app_context():
        member = db.session.get(Membership, membership_id)
        return member.role if member else None


def post(client, csrf, url, **data):
    page = "/organize/local-1/members"
    return client.post(
        url, data={**data, "csrf_token": csrf(page)}, headers={"Referer": f"http://localhost{page}"}
    )


def make_stale(client):
    with client.session_transaction() as session:
        session["staff_auth_at"] = time.time() - 11 * 60


def test_members_page_lists_members_with_their_roles(app, client, login, team):
    """An owner sees every member, their role and whether they use two-factor."""
    login("ruth@example.org")
    html = client.get("/organize/local-1/members").get_data(as_text=True)
    assert "sam@example.org" in html and "ruth@example.org" in html
    assert f'data-member="{team["sam"]}"' in html


@pytest.mark.both_databases
def test_role_change_is_audited(app, client, login, csrf, team):
    """An owner changes a member's role; the audit log says who, whom, from and to."""
    login("ruth@example.org")
    url = f"/organize/local-1/members/{team['sam']}/role"
    assert post(client, csrf, url, role="viewer").status_code == 302
    assert role_of(app, team["sam"]) == Role.viewer
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "role_changed")
        ).one()
        assert event.actor.email == "ruth@example.org"
        assert event.subject_user.email == "sam@example.org"
        assert event.details == {"from": "organizer", "to": "viewer"}
        assert event.organization_id is not None
    audit_page = client.get("/organize/local-1/audit").get_data(as_text=True)
    assert "Changed a role" in audit_page and "to: viewer" in audit_page


def test_role_change_asks_for_the_password_when_it_is_stale(app, client, login, csrf, team):
    """Past REAUTH_MINUTES, a role change first asks for the password, then goes through."""
    login("ruth@example.org")
    make_stale(client)
    url = f"/organize/local-1/members/{team['sam']}/role"
    resp = post(client, csrf, url, role="viewer")
    assert resp.status_code == 302
    assert "/organize/reauth?next=/organize/local-1/members" in resp.headers["Location"]
    assert role_of(app, team["sam"]) == Role.organizer  # nothing changed yet

    reauth = client.get(resp.headers["Location"])
    assert "enter your password again" in reauth.get_data(as_text=True)
    wrong = client.post(
        resp.headers["Location"],
        data={
            "password": "not the password",
            "csrf_token": csrf_from(reauth.get_data(as_text=True)),
        },
    )
    assert wrong.status_code == 401
    ok = client.post(
        resp.headers["Location"],
        data={
            "password": "correct horse battery",
            "csrf_token": csrf_from(reauth.get_data(as_text=True)),
        },
    )
    assert ok.headers["Location"] == "/organize/local-1/members"
    assert post(client, csrf, url, role="viewer").status_code == 302
    assert role_of(app, team["sam"]) == Role.viewer
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "reauthenticated" in kinds and "role_changed" in kinds


def test_max_age_is_per_action(app, client, login, team):
    """`fresh_required(max_age_minutes=…)` sets its own window; REAUTH_MINUTES is the default."""
    from campaigns.organize.access import fresh_required

    app.add_url_rule("/strict", "strict", fresh_required(max_age_minutes=1)(lambda: "ok"))
    app.add_url_rule("/default", "default", fresh_required(lambda: "ok"))
    assert client.get("/default").status_code == 302  # not logged in at all
    login("ruth@example.org")
    with client.session_transaction() as session:
        session["staff_auth_at"] = time.time() - 120
    strict = client.get("/strict")
    assert strict.headers["Location"] == "/organize/reauth?next=/strict"
    assert client.get("/default").get_data(as_text=True) == "ok"


def test_reauthentication_asks_for_the_code_with_two_factor(app, client, login, csrf, team):
    """Someone with two-factor re-enters their password and a code."""
    login("ruth@example.org")
    page = client.get("/organize/account/two-factor").get_data(as_text=True)
    secret = page.split('data-secret="')[1].split('"')[0]
    step = otp.current_counter()
    client.post(
        "/organize/account/two-factor",
        data={"code": otp.totp_for_counter(secret, step), "csrf_token": csrf_from(page)},
    )
    make_stale(client)
    reauth = client.get("/organize/reauth?next=/organize/local-1/members")
    html = reauth.get_data(as_text=True)
    assert 'name="code"' in html
    no_code = client.post(
        "/organize/reauth?next=/organize/local-1/members",
        data={"password": "correct horse battery", "csrf_token": csrf_from(html)},
    )
    assert no_code.status_code == 422
    ok = client.post(
        "/organize/reauth?next=/organize/local-1/members",
        data={
            "password": "correct horse battery",
            "code": otp.totp_for_counter(secret, step + 1),
            "csrf_token": csrf_from(html),
        },
    )
    assert ok.headers["Location"] == "/organize/local-1/members"


def test_removing_a_member(app, client, login, csrf, team):
    """An owner removes a member, who then cannot open the organization's pages."""
    login("ruth@example.org")
    resp = post(client, csrf, f"/organize/local-1/members/{team['sam']}/remove")
    assert resp.status_code == 302
    assert role_of(app, team["sam"]) is None
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "member_removed")
        ).one()
        assert "sam@example.org" in event.subject
        assert event.details == {"role": "organizer"}
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    login("sam@example.org")
    assert client.get("/organize/local-1/").status_code == 404


def test_removal_is_fresh_only_too(app, client, login, csrf, team):
    """Removing a member with a stale login asks for the password first."""
    login("ruth@example.org")
    make_stale(client)
    resp = post(client, csrf, f"/organize/local-1/members/{team['sam']}/remove")
    assert "/organize/reauth" in resp.headers["Location"]
    assert role_of(app, team["sam"]) == Role.organizer


def test_the_last_owner_stays(app, client, login, csrf, team):
    """The only owner can neither be demoted nor removed; with a second owner they can."""
    login("ruth@example.org")
    demote = post(client, csrf, f"/organize/local-1/members/{team['ruth']}/role", role="viewer")
    assert demote.status_code == 302
    assert role_of(app, team["ruth"]) == Role.owner
    page = client.get("/organize/local-1/members").get_data(as_text=True)
    assert "needs at least one owner" in page
    post(client, csrf, f"/organize/local-1/members/{team['ruth']}/remove")
    assert role_of(app, team["ruth"]) == Role.owner

    post(client, csrf, f"/organize/local-1/members/{team['sam']}/role", role="owner")
    resp = post(client, csrf, f"/organize/local-1/members/{team['ruth']}/role", role="viewer")
    assert role_of(app, team["ruth"]) == Role.viewer
    assert resp.headers["Location"].endswith("/organize/")  # no longer allowed on that page


def test_only_owners_manage_members(app, client, login, csrf, team):
    """An organizer cannot change roles or remove anyone; another organization's owner gets 404."""
    with app.app_context():
        make_user(make_organization(slug="other"), Role.owner, email="boss@example.org")
    login("sam@example.org")
    token = csrf("/organize/local-1/")
    url = f"/organize/local-1/members/{team['ruth']}/role"
    assert client.post(url, data={"role": "viewer", "csrf_token": token}).status_code == 403
    client.post("/organize/logout", data={"csrf_token": token})
    login("boss@example.org")
    token = csrf("/organize/other/")
    assert client.post(url, data={"role": "viewer", "csrf_token": token}).status_code == 404
    other = f"/organize/other/members/{team['sam']}/remove"  # sam's id under boss's org
    assert client.post(other, data={"csrf_token": token}).status_code == 404
    assert role_of(app, team["sam"]) == Role.organizer
