import pytest

from campaigns.extensions import db
from campaigns.models import Supporter
from campaigns.submissions.signing import Signer, sign
from campaigns.submissions.subscriptions import unsubscribe_token
from tests.conftest import csrf_from
from tests.factories import make_petition


@pytest.fixture
def subscriber(app):
    with app.app_context():
        result = sign(make_petition(), Signer("Ana", "Lopez", "ana@example.org", subscribe=True))
        supporter = result.submission.supporter
        return supporter.id, unsubscribe_token(supporter)


def subscribed(app, supporter_id) -> bool:
    with app.app_context():
        return db.session.get(Supporter, supporter_id).subscribed


def test_one_click_unsubscribe_post_needs_no_cookie_or_token(app, client, subscriber):
    """A mail client's RFC 8058 one-click POST unsubscribes with no session or CSRF token."""
    supporter_id, token = subscriber
    resp = client.post(
        f"/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 200
    assert not subscribed(app, supporter_id)


def test_opening_the_link_asks_before_unsubscribing(app, client, subscriber):
    """A GET (a link scanner, a preview) unsubscribes nobody; the button does."""
    supporter_id, token = subscriber
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert subscribed(app, supporter_id)
    resp = client.post(
        f"/unsubscribe/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert "You are unsubscribed" in resp.get_data(as_text=True)
    assert not subscribed(app, supporter_id)


def test_bad_unsubscribe_token(client):
    """A mangled link says so and changes nothing."""
    assert client.post("/unsubscribe/nope").status_code == 404
