"""What a supporter sees of a held signature (asked to confirm, which releases it), and of
one an organizer invalidated (a confirmation link that thanks without counting)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Submission
from campaigns.submissions.confirmation import confirmation_token
from campaigns.tracking import counts
from tests.conftest import csrf_from
from tests.factories import make_petition, signer_form


def post(client, csrf, slug, ip, **fields):
    data = {**signer_form(**fields), "csrf_token": csrf(f"/a/{slug}")}
    return client.post(f"/a/{slug}", data=data, environ_overrides={"REMOTE_ADDR": ip})


@pytest.mark.both_databases
def test_over_the_limit_is_held_and_the_person_is_told(app, client, csrf):
    """A second person from one address is held, not dropped: stored with its reason, and
    told to confirm by email instead of being thanked as if counted."""
    with app.app_context():
        slug = make_petition().slug
    first = post(client, csrf, slug, "203.0.113.50")
    second = post(client, csrf, slug, "203.0.113.50", email="second@example.org")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith("signed=new")
    assert second.headers["Location"].endswith("signed=held")
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Check your email to confirm" in page and "Thank you for signing" not in page
    spanish = client.get(second.headers["Location"], headers={"Accept-Language": "es"})
    assert "Revisa tu correo para confirmar" in spanish.get_data(as_text=True)
    with app.app_context():
        subs = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(s.fraudulent, s.fraud_reason, s.held_reason) for s in subs] == [
            (False, None, None),
            (True, "rate_limit_ip", "rate_limit_ip"),
        ]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app, client, csrf):
    """A client cannot dodge the limit by sending its own X-Forwarded-For."""
    with app.app_context():
        slug = make_petition().slug
    for n in range(2):
        data = {**signer_form(), "csrf_token": csrf(f"/a/{slug}")}
        client.post(f"/a/{slug}", data=data, headers={"X-Forwarded-For": f"192.0.2.{n}"})
    with app.app_context():
        flags = db.session.scalars(select(Submission.fraudulent).order_by(Submission.id)).all()
        assert flags == [False, True]


@pytest.mark.both_databases
def test_confirming_a_held_signature_releases_it(app, client, csrf):
    """A real mailbox answered: the held signature is counted once, as the first one is."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    post(client, csrf, slug, "203.0.113.60")
    post(client, csrf, slug, "203.0.113.60", email="second@example.org")
    with app.app_context():
        good, held = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert held.fraudulent and held.held_reason == "rate_limit_ip"
        tokens = [confirmation_token(good), confirmation_token(held)]
    for token in tokens:
        url = f"/a/{slug}/confirm/{token}"
        page = client.get(url)
        assert page.status_code == 200
        resp = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
        assert resp.status_code == 200
        assert "is confirmed" in resp.get_data(as_text=True)
    with app.app_context():
        db.session.expire_all()
        good, held = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert good.confirmed_at is not None and held.confirmed_at is not None
        assert not held.fraudulent and held.held_reason is None
        counts.tally_all()
        totals = counts.for_action(good.action)
        assert (totals.signed, totals.confirmed) == (2, 2)


@pytest.mark.both_databases
def test_confirmation_link_cannot_validate_an_invalidated_signature(app, client, csrf):
    """One an organizer marked fraudulent: its link's page thanks, and nothing counts."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    post(client, csrf, slug, "203.0.113.61")
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        counts.uncount(Submission.id == submission.id)
        db.session.commit()
        token = confirmation_token(submission)
    url = f"/a/{slug}/confirm/{token}"
    page = client.get(url)
    resp = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "We have received your response" in resp.get_data(as_text=True)
    assert "is confirmed" not in resp.get_data(as_text=True)
    with app.app_context():
        db.session.expire_all()
        submission = db.session.scalars(select(Submission)).one()
        assert submission.confirmed_at is None and submission.fraudulent
        counts.tally_all()
        assert counts.for_action(submission.action).confirmed == 0


def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_apart(database_url, redis_url):
    """With TRUSTED_PROXIES=1 the proxy's X-Forwarded-For names the supporter: two clients
    behind one proxy are two people; one client twice is over the limit."""
    import redis

    from campaigns import create_app
    from tests.conftest import base_config

    app = create_app({**base_config(database_url, redis_url), "TRUSTED_PROXIES": 1})
    # Counters of earlier tests may name the same action id: start empty, as `app` does.
    redis.Redis.from_url(redis_url).flushall()
    client = app.test_client()
    with app.app_context():
        slug = make_petition().slug
    token = csrf_from(client.get(f"/a/{slug}").get_data(as_text=True))
    for forwarded in ("192.0.2.1", "192.0.2.2", "192.0.2.2"):
        data = {**signer_form(), "csrf_token": token}
        resp = client.post(f"/a/{slug}", data=data, headers={"X-Forwarded-For": forwarded})
        assert resp.status_code == 302
    with app.app_context():
        flags = db.session.scalars(select(Submission.fraudulent).order_by(Submission.id)).all()
        assert flags == [False, False, True]
        db.session.remove()
        db.engine.dispose()
