import time
from datetime import timedelta

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Role, User
from tests.factories import make_organization, make_user


def test_staff_logins_are_permanent_sessions(app, client, login):
    """A staff login is a permanent session, so PERMANENT_SESSION_LIFETIME bounds it."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=2)
    with app.app_context():
        make_user(make_organization(slug="local-1"), email="ruth@example.org")
    resp = login("ruth@example.org")
    cookie = resp.headers["Set-Cookie"]
    assert "Expires=" in cookie
    with client.session_transaction() as session:
        assert session.permanent
        assert abs(session["staff_auth_at"] - time.time()) < 60


def test_an_idle_session_is_logged_out(app, client, login):
    """A session idle longer than the lifetime is logged out and sent to log in again."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    with app.app_context():
        make_user(make_organization(slug="local-1"), Role.organizer, email="ruth@example.org")
    login("ruth@example.org")
    assert client.get("/organize/local-1/").status_code == 200
    with client.session_transaction() as session:
        session["staff_seen_at"] = time.time() - 31 * 60
    resp = client.get("/organize/local-1/")
    assert resp.status_code == 302
    assert "/organize/login?next=/organize/local-1/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Your session expired" in page
    assert client.get("/organize/local-1/").status_code == 302  # still logged out


def test_a_session_from_before_permanent_logins_is_logged_out(app, client, login):
    """A login session that is not permanent (from an older release) is ended."""
    with app.app_context():
        make_user(make_organization(slug="local-1"), email="ruth@example.org")
    login("ruth@example.org")
    with client.session_transaction() as session:
        session.permanent = False
    assert client.get("/organize/local-1/").status_code == 302


def test_activity_keeps_the_session_alive(app, client, login):
    """Using the pages moves the idle clock on, so a working person is not logged out."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    with app.app_context():
        make_user(make_organization(slug="local-1"), email="ruth@example.org")
    login("ruth@example.org")
    with client.session_transaction() as session:
        session["staff_seen_at"] = time.time() - 20 * 60
    assert client.get("/organize/local-1/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["staff_seen_at"] < 60
    with app.app_context():
        assert db.session.scalars(select(User)).one().last_login_at is not None
