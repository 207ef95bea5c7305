from campaigns.extensions import db
from campaigns.models import Role, User
from tests.factories import make_organization, make_user


def test_login_and_logout(app, client, login, csrf):
    """An organizer logs in with email and password, lands on their campaigns, logs out."""
    with app.app_context():
        org = make_organization(slug="local-7")
        make_user(org, Role.organizer, email="ruth@example.org")
    resp = login("Ruth@Example.org")
    assert resp.status_code == 302
    assert client.get("/organize/").headers["Location"].endswith("/organize/local-7/")
    token = csrf("/organize/local-7/")
    client.post("/organize/logout", data={"csrf_token": token})
    assert client.get("/organize/local-7/").status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_a_message(app, client, login):
    """A wrong password re-renders the form with a message and logs nobody in."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    resp = login("ruth@example.org", "wrong password")
    assert resp.status_code == 401
    assert "do not match an account" in resp.get_data(as_text=True)
    assert client.get("/organize/").status_code == 302


def test_passwords_are_stored_hashed(app):
    """No password is stored as typed."""
    with app.app_context():
        make_user(email="ruth@example.org", password="a long passphrase")
        stored = db.session.query(User).one().password_hash
        assert "a long passphrase" not in stored
        assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_organizer_pages_require_login(app, client):
    """Anonymous visitors are sent to the login page."""
    with app.app_context():
        make_organization(slug="local-7")
    resp = client.get("/organize/local-7/")
    assert resp.status_code == 302
    assert "/organize/login" in resp.headers["Location"]


def test_login_next_is_local_only(app, client, csrf):
    """The post-login redirect never leaves the site."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    token = csrf("/organize/login")
    resp = client.post(
        "/organize/login?next=//evil.example/",
        data={
            "email": "ruth@example.org",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert "evil.example" not in resp.headers["Location"]


def test_a_login_lasts_only_as_long_as_its_session(app, client, login):
    """No remember-me cookie is ever issued (so Flask-Login's hook for it is not run): the
    only cookie a login leaves is the session, which PERMANENT_SESSION_LIFETIME ends."""
    with app.app_context():
        make_user(make_organization(slug="local-8"), Role.organizer, email="ana@example.org")
    response = login("ana@example.org")
    assert response.status_code == 302
    names = {cookie.split("=", 1)[0] for cookie in response.headers.getlist("Set-Cookie")}
    assert names == {app.config["SESSION_COOKIE_NAME"]}
    assert client.get_cookie("remember_token") is None  # Flask-Login's default name
    assert client.get("/organize/local-8/").status_code == 200


def test_organizer_posts_need_the_sessions_csrf_token(app, client, login, csrf):
    """Every post outside the public action forms is checked against the session's token:
    without it, 400 and nothing done; with it, the post goes through."""
    with app.app_context():
        make_user(make_organization(slug="local-9"), Role.organizer, email="lu@example.org")
    login("lu@example.org")
    refused = client.post("/organize/logout", data={})
    assert refused.status_code == 400
    assert client.get("/organize/local-9/").status_code == 200  # still logged in
    token = csrf("/organize/local-9/")
    assert client.post("/organize/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/organize/local-9/").status_code == 302
