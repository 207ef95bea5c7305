import redis
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import AuditEvent, Role
from tests.factories import make_organization, make_user


def post_login(client, csrf, email, password, ip="127.0.0.1"):
    return client.post(
        "/organize/login",
        data={"email": email, "password": password, "csrf_token": csrf("/organize/login")},
        environ_base={"REMOTE_ADDR": ip},
    )


def lock_keys(redis_url):
    return redis.Redis.from_url(redis_url).keys("login-throttle:*")


def test_five_failures_lock_the_account_with_the_time_to_come_back(app, client, csrf, redis_url):
    """After 5 wrong passwords even the right one is refused, saying when to try again."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    for _ in range(4):
        resp = post_login(client, csrf, "ruth@example.org", "wrong password here")
        assert resp.status_code == 401
        assert "do not match an account" in resp.get_data(as_text=True)
    fifth = post_login(client, csrf, "ruth@example.org", "wrong password here")
    assert fifth.status_code == 429
    assert "Try again after" in fifth.get_data(as_text=True)

    right = post_login(client, csrf, "ruth@example.org", "correct horse battery")
    assert right.status_code == 429
    assert "locked for now" in right.get_data(as_text=True)
    assert "UTC (15 minutes from now)" in right.get_data(as_text=True)
    assert client.get("/organize/").status_code == 302  # not logged in

    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds.count("login_failed") == 5
    assert kinds.count("login_locked") == 1


def test_the_lock_lasts_the_lockout_and_then_lifts(app, client, csrf, redis_url):
    """The lock is a Redis key living LOGIN_LOCKOUT_MINUTES; once it is gone, logins work."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    for _ in range(5):
        post_login(client, csrf, "ruth@example.org", "wrong password here")
    r = redis.Redis.from_url(redis_url)
    (locked,) = [k for k in r.keys("login-throttle:account:*") if k.endswith(b":locked")]
    assert 14 * 60 < r.ttl(locked) <= 15 * 60
    r.delete(locked)  # as if 15 minutes had passed
    assert post_login(client, csrf, "ruth@example.org", "correct horse battery").status_code == 302


def test_unknown_emails_answer_and_lock_exactly_like_known_ones(app, client, csrf):
    """The login form never tells whether an email has an account."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    known = post_login(client, csrf, "ruth@example.org", "wrong password here")
    unknown = post_login(client, csrf, "nobody@example.org", "wrong password here")
    assert known.status_code == unknown.status_code == 401
    message = "That email and password do not match an account."
    assert message in known.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    for _ in range(4):
        last = post_login(client, csrf, "nobody@example.org", "wrong password here")
    assert last.status_code == 429
    assert "locked for now" in last.get_data(as_text=True)


def test_a_successful_login_resets_the_count(app, client, csrf):
    """Four mistakes, a good login, four more mistakes: the account is not locked."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    for _ in range(4):
        post_login(client, csrf, "ruth@example.org", "wrong password here")
    assert post_login(client, csrf, "ruth@example.org", "correct horse battery").status_code == 302
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    for _ in range(4):
        assert post_login(client, csrf, "ruth@example.org", "wrong password").status_code == 401
    assert post_login(client, csrf, "ruth@example.org", "correct horse battery").status_code == 302


def test_one_address_trying_many_accounts_is_paused(app, client, csrf):
    """Failures from one address across accounts pause that address, not other people's."""
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    with app.app_context():
        make_user(make_organization(), Role.organizer, email="ruth@example.org")
    for n in range(3):
        resp = post_login(client, csrf, f"guess{n}@example.org", "wrong password", ip="203.0.113.9")
    assert resp.status_code == 429
    assert "from your network" in resp.get_data(as_text=True)
    blocked = post_login(client, csrf, "ruth@example.org", "correct horse battery", "203.0.113.9")
    assert blocked.status_code == 429
    elsewhere = post_login(
        client, csrf, "ruth@example.org", "correct horse battery", "198.51.100.7"
    )
    assert elsewhere.status_code == 302
    with app.app_context():
        throttled = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "address_throttled")
        ).one()
        assert throttled.ip_hash and "203.0.113.9" not in throttled.ip_hash


def test_redis_keys_hold_no_email_or_address(app, client, csrf, redis_url):
    """The throttle's keys are keyed hashes: Redis never sees who tried or from where."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    post_login(client, csrf, "ruth@example.org", "wrong password", ip="203.0.113.9")
    keys = b" ".join(lock_keys(redis_url))
    assert keys
    assert b"ruth" not in keys and b"203.0.113" not in keys
