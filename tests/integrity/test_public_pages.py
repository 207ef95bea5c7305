"""What a supporter (or a bot) sees of a fraudulent signature: exactly the usual pages, and
a confirmation link that thanks without counting."""

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
def test_over_the_limit_looks_like_a_normal_signature(app, client, csrf):
    """Same redirect, same thank-you page; stored fraudulent with its reason."""
    with app.app_context():
        slug = make_petition().slug
    first = post(client, csrf, slug, "203.0.113.50")
    second = post(client, csrf, slug, "203.0.113.50")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert client.get(first.headers["Location"]).get_data(as_text=True) == client.get(
        second.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        subs = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(s.fraudulent, s.fraud_reason) for s in subs] == [
            (False, None),
            (True, "rate_limit_ip"),
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
def test_confirmation_link_cannot_validate_a_fraudulent_signature(app, client, csrf):
    """The link's page thanks the person, but the signature stays unconfirmed and uncounted."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    post(client, csrf, slug, "203.0.113.60")
    post(client, csrf, slug, "203.0.113.60")
    with app.app_context():
        good, bad = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert bad.fraudulent
        tokens = [confirmation_token(good), confirmation_token(bad)]
    for token in tokens:
        url = f"/a/{slug}/confirm/{token}"
        page = client.get(url)
        assert page.status_code == 200
        resp = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
        assert resp.status_code == 200
    assert "We have received your response" in resp.get_data(as_text=True)
    assert "is confirmed" not in resp.get_data(as_text=True)
    with app.app_context():
        db.session.expire_all()
        good, bad = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert good.confirmed_at is not None and bad.confirmed_at is None
        counts.tally_all()
        petition = good.action
        totals = counts.for_action(petition)
        assert (totals.signed, totals.confirmed) == (1, 1)


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
