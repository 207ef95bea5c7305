from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.core import audit
from campaigns.core.ip import ip_hash
from campaigns.core.tasks import prune_audit_log
from campaigns.extensions import db
from campaigns.models import AuditEvent, Role, utcnow
from tests.factories import make_organization, make_user


@pytest.fixture
def orgs(app):
    with app.app_context():
        mine = make_organization(slug="mine")
        theirs = make_organization(slug="theirs")
        make_user(mine, Role.owner, email="owner@example.org")
        make_user(mine, Role.organizer, email="sam@example.org")
        make_user(theirs, Role.owner, email="boss@example.org")
        return {"mine": mine.id, "theirs": theirs.id}


def events(app, **where):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return [
            (e.kind, e.subject_user.email if e.subject_user else None)
            for e in db.session.scalars(query)
        ]


@pytest.mark.both_databases
def test_logins_and_failures_are_recorded_with_hashed_addresses(app, client, login, orgs):
    """Each login and failed login is an event; the address is stored only as a keyed hash."""
    login("sam@example.org", "a wrong password")
    login("sam@example.org")
    assert events(app) == [("login_failed", "sam@example.org"), ("login", "sam@example.org")]
    with app.app_context():
        stored = db.session.scalars(select(AuditEvent.ip_hash)).all()
        assert stored == [ip_hash("127.0.0.1")] * 2
        assert all("127.0.0.1" not in h and len(h) == 64 for h in stored)
        assert ip_hash("127.0.0.1") != ip_hash("127.0.0.2")
        app.config["SECRET_KEY"] = "another key"
        assert ip_hash("127.0.0.1") != stored[0]  # keyed: unknowable without SECRET_KEY


def test_owners_see_their_organizations_events(app, client, login, csrf, orgs):
    """The audit page lists the organization's events and its members' logins."""
    login("sam@example.org", "a wrong password")
    login("sam@example.org")
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    login("owner@example.org")
    html = client.get("/organize/mine/audit").get_data(as_text=True)
    assert html.count('data-kind="login_failed"') == 1
    assert html.count('data-kind="login"') == 2  # sam's and the owner's
    assert "sam@example.org" in html


def test_other_organizations_events_stay_hidden(app, client, login, csrf, orgs):
    """An owner sees nothing of another organization's events or members' logins."""
    login("boss@example.org")
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    with app.app_context():
        from campaigns.models import Organization

        theirs = db.session.get(Organization, orgs["theirs"])
        audit.record("member_removed", organization=theirs, subject="someone@theirs.example")
        db.session.commit()
    login("owner@example.org")
    html = client.get("/organize/mine/audit").get_data(as_text=True)
    assert "boss@example.org" not in html
    assert "someone@theirs.example" not in html
    assert client.get("/organize/theirs/audit").status_code == 404


def test_only_owners_read_the_audit_log(app, client, login, orgs):
    """Organizers get 403 on the audit page; the nav shows it to owners only."""
    login("sam@example.org")
    assert client.get("/organize/mine/audit").status_code == 403
    assert "Audit log" not in client.get("/organize/mine/").get_data(as_text=True)


def test_events_before_someone_joined_are_not_shown(app, client, login, orgs):
    """A member's account events from before they joined stay out of the owners' view."""
    with app.app_context():
        from campaigns.models import User

        sam = db.session.scalars(select(User).where(User.email == "sam@example.org")).one()
        old = audit.record("login", actor=sam, subject_user=sam, subject="sam@example.org")
        old.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
    login("owner@example.org")
    html = client.get("/organize/mine/audit").get_data(as_text=True)
    assert "sam@example.org" not in html


def test_the_audit_log_is_paginated(app, client, login, orgs):
    """Fifty events a page, newest first, with a link to older ones."""
    with app.app_context():
        from campaigns.models import Organization

        mine = db.session.get(Organization, orgs["mine"])
        for n in range(60):
            audit.record(
                "invitation_created", organization=mine, subject=f"person{n:02d}@x.example"
            )
        db.session.commit()
    login("owner@example.org")
    first = client.get("/organize/mine/audit").get_data(as_text=True)
    assert "person59@x.example" in first and "person05@x.example" not in first
    assert "Page 1 of 2" in first and "Older" in first
    second = client.get("/organize/mine/audit?page=2").get_data(as_text=True)
    assert "person05@x.example" in second


def test_login_history_on_the_account_page(app, client, login, orgs):
    """A person sees their own logins and failed attempts, with their browser."""
    login("sam@example.org", "a wrong password")
    client.environ_base["HTTP_USER_AGENT"] = "TestBrowser/1.0"
    login("sam@example.org")
    html = client.get("/organize/account").get_data(as_text=True)
    assert html.count('data-kind="login"') == 1
    assert html.count('data-kind="login_failed"') == 1
    assert "TestBrowser/1.0" in html
    assert "(this address)" in html


def test_prune_deletes_events_past_the_retention(app, orgs):
    """The prune job deletes events older than AUDIT_RETENTION_DAYS and keeps the rest."""
    app.config["AUDIT_RETENTION_DAYS"] = 30
    with app.app_context():
        for age in (31, 29, 0):
            event = audit.record("login_failed", subject=f"{age} days old")
            event.created_at = utcnow() - timedelta(days=age)
        db.session.commit()
        assert prune_audit_log() == 1
        left = db.session.scalars(select(AuditEvent.subject).order_by(AuditEvent.id)).all()
        assert left == ["29 days old", "0 days old"]
        assert prune_audit_log() == 0


def test_the_prune_runs_as_a_job(app, run_jobs):
    """The prune job runs in a real worker, as the cron scheduler would enqueue it."""
    from campaigns.queues import enqueue

    with app.app_context():
        event = audit.record("login_failed", subject="ancient")
        event.created_at = utcnow() - timedelta(days=400)
        db.session.commit()
        enqueue("campaigns.core.tasks.prune_audit_log")
    run_jobs(["default"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
