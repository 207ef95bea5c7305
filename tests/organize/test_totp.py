import base64
import re
import time

import pytest
from sqlalchemy import select

from campaigns.accounts import totp
from campaigns.extensions import db
from campaigns.models import AuditEvent, RecoveryCode, Role, User
from tests.conftest import csrf_from
from tests.factories import make_organization, make_user
from tests.support import otp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_sha1_vectors(at, eight_digits):
    """Codes match RFC 6238 appendix B (SHA-1), cut to the 6 digits apps show."""
    assert totp.code_at(RFC_SECRET, at) == eight_digits[-6:]
    assert otp.totp(RFC_SECRET, at, digits=8) == eight_digits  # the test's own implementation


def test_codes_are_accepted_one_step_either_side_only():
    """A code from the step before or after is accepted; two steps off is not."""
    now = 1_700_000_015
    step = now // 30
    for offset in (-1, 0, 1):
        code = otp.totp_for_counter(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, at=now) == step + offset
    for offset in (-2, 2):
        code = otp.totp_for_counter(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, at=now) is None
    assert totp.matching_step(RFC_SECRET, "12345", at=now) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", at=now) is None


def test_provisioning_uri():
    """The otpauth URI names the account and issuer and says SHA1, 6 digits, 30 s."""
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ruth@example.org", "campaigns")
    assert uri.startswith("otpauth://totp/campaigns%3Aruth%40example.org?")
    for part in ("secret=JBSWY3DPEHPK3PXP", "issuer=campaigns", "algorithm=SHA1", "digits=6"):
        assert part in uri
    assert "period=30" in uri


def enrol(client, csrf):
    """Set up two-factor from the account page; returns (secret, step used, recovery codes)."""
    page = client.get("/organize/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "otpauth://totp/" in html
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    step = otp.current_counter()
    resp = client.post(
        "/organize/account/two-factor",
        data={"code": otp.totp_for_counter(secret, step), "csrf_token": csrf_from(html)},
    )
    assert resp.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", resp.get_data(as_text=True))
    return secret, step, codes


def logout(client, csrf):
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})


def password_step(client, csrf, email="ruth@example.org"):
    return client.post(
        "/organize/login",
        data={
            "email": email,
            "password": "correct horse battery",
            "csrf_token": csrf("/organize/login"),
        },
    )


def code_step(client, code):
    page = client.get("/organize/login/code")
    return client.post(
        "/organize/login/code",
        data={"code": code, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


@pytest.mark.both_databases
def test_enrol_then_log_in_with_a_code(app, client, login, csrf):
    """A person sets up two-factor; from then on the password alone does not log them in."""
    with app.app_context():
        make_user(make_organization(slug="local-1"), email="ruth@example.org")
    login("ruth@example.org")
    secret, step, codes = enrol(client, csrf)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.has_two_factor and user.totp_secret == secret
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed
        assert db.session.scalars(select(AuditEvent.kind)).all().count("two_factor_enabled") == 1
    logout(client, csrf)

    resp = password_step(client, csrf)
    assert resp.headers["Location"].endswith("/organize/login/code")
    # Password right, code owed: still nobody is logged in.
    assert "/organize/login" in client.get("/organize/local-1/").headers["Location"]

    good = {otp.totp_for_counter(secret, step + n) for n in range(-2, 3)}
    wrong = code_step(client, next(c for c in ("000000", "111111", "222222") if c not in good))
    assert wrong.status_code == 401
    assert "not right" in wrong.get_data(as_text=True)

    reused = code_step(client, otp.totp_for_counter(secret, step))
    assert reused.status_code == 401
    assert client.get("/organize/local-1/").status_code == 302

    ok = code_step(client, otp.totp_for_counter(secret, step + 1))
    assert ok.status_code == 302
    assert client.get("/organize/local-1/").status_code == 200


def test_a_code_cannot_be_used_twice(app, client, login, csrf):
    """The code that logged someone in does not log anyone in again within its window."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    login("ruth@example.org")
    secret, step, _ = enrol(client, csrf)
    logout(client, csrf)
    password_step(client, csrf)
    code = otp.totp_for_counter(secret, step + 1)
    assert code_step(client, code).status_code == 302
    logout(client, csrf)
    password_step(client, csrf)
    again = code_step(client, code)
    assert again.status_code == 401
    assert "used already" in again.get_data(as_text=True)


def test_recovery_codes_work_once(app, client, login, csrf):
    """A recovery code stands in for the phone, once."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    login("ruth@example.org")
    _, _, codes = enrol(client, csrf)
    logout(client, csrf)
    password_step(client, csrf)
    resp = code_step(client, codes[3].upper())
    assert resp.status_code == 302
    landing = client.get(resp.headers["Location"], follow_redirects=True)
    assert "You used a recovery code; 9 left." in landing.get_data(as_text=True)
    logout(client, csrf)
    password_step(client, csrf)
    assert code_step(client, codes[3]).status_code == 401
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "recovery_code_used" in kinds


def test_wrong_codes_count_toward_the_lockout(app, client, login, csrf):
    """Guessing codes locks the account like guessing passwords."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    login("ruth@example.org")
    secret, step, _ = enrol(client, csrf)
    logout(client, csrf)
    password_step(client, csrf)
    good = {otp.totp_for_counter(secret, step + n) for n in range(-2, 3)}
    guesses = [
        c for c in ("123456", "654321", "111111", "222222", "333333", "444444") if c not in good
    ]
    for guess in guesses[:5]:
        last = code_step(client, guess)
    assert last.status_code == 429
    assert "locked for now" in last.get_data(as_text=True)
    locked = code_step(client, otp.totp_for_counter(secret, step + 1))
    assert locked.status_code == 429


def test_the_code_step_times_out(app, client, login, csrf):
    """A half-finished login expires: the code page sends the person back to the start."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    login("ruth@example.org")
    enrol(client, csrf)
    logout(client, csrf)
    password_step(client, csrf)
    with client.session_transaction() as session:
        session["staff_pending_login"]["at"] = time.time() - 600
    resp = client.get("/organize/login/code")
    assert resp.headers["Location"].endswith("/organize/login")


def test_owners_must_enrol_when_required(app, client, login, csrf):
    """With REQUIRE_OWNER_2FA an owner is sent to set up two-factor; an organizer is not."""
    app.config["REQUIRE_OWNER_2FA"] = True
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.owner, email="ruth@example.org")
        make_user(org, Role.organizer, email="sam@example.org")
    login("sam@example.org")
    assert client.get("/organize/local-1/").status_code == 200
    logout(client, csrf)

    login("ruth@example.org")
    resp = client.get("/organize/local-1/")
    assert resp.headers["Location"].endswith("/organize/account/two-factor")
    assert client.get("/organize/local-1/outbox").status_code == 302
    enrol(client, csrf)
    assert client.get("/organize/local-1/").status_code == 200
    # Nor can they turn it off again while the rule stands.
    client.post(
        "/organize/account/two-factor/disable", data={"csrf_token": csrf("/organize/account")}
    )
    with app.app_context():
        assert (
            db.session.scalars(select(User).where(User.email == "ruth@example.org"))
            .one()
            .has_two_factor
        )


def test_turning_two_factor_off(app, client, login, csrf):
    """A person can turn two-factor off; their password alone logs them in again."""
    with app.app_context():
        make_user(make_organization(), email="ruth@example.org")
    login("ruth@example.org")
    enrol(client, csrf)
    resp = client.post(
        "/organize/account/two-factor/disable", data={"csrf_token": csrf("/organize/account")}
    )
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert not user.has_two_factor and user.totp_secret is None
        assert db.session.scalars(select(RecoveryCode)).all() == []
    logout(client, csrf)
    assert password_step(client, csrf).headers["Location"].endswith("/organize/")
