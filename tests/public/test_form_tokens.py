"""Public action forms need no session: a signed per-action token, and no cross-site posts."""

import time

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Submission
from campaigns.public import form_tokens
from tests.conftest import csrf_from
from tests.factories import from_new_address, make_petition, signer_form


def submissions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


@pytest.fixture
def slugs(app):
    with app.app_context():
        return make_petition().slug, make_petition().slug


def token_of(client, slug: str) -> str:
    return csrf_from(client.get(f"/a/{slug}").get_data(as_text=True))


def post(client, slug: str, token: str, headers=None, **fields):
    data = signer_form(**fields) | {"csrf_token": token}
    return client.post(f"/a/{slug}", data=data, headers=headers or {}, **from_new_address())


def test_a_visitor_without_any_cookie_signs(app, slugs):
    """The page sets no cookie and its token works from a client that keeps none."""
    client = app.test_client(use_cookies=False)
    page = client.get(f"/a/{slugs[0]}")
    assert "Set-Cookie" not in page.headers
    signed = post(client, slugs[0], csrf_from(page.get_data(as_text=True)))
    assert signed.status_code == 302
    assert submissions(app) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, 302),
        ({"Sec-Fetch-Site": "none"}, 302),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        # A browser without Fetch Metadata: its Origin decides.
        ({"Origin": "http://localhost"}, 302),
        ({"Origin": "https://evil.example"}, 403),
        # An opaque origin (a sandboxed frame or data: page anywhere) is nobody's own.
        ({"Origin": "null"}, 403),
        # Fetch Metadata wins over an Origin that would pass.
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, 403),
    ],
)
def test_a_post_another_site_makes_a_browser_send_is_refused(app, client, slugs, headers, status):
    """A page elsewhere cannot sign in its visitors' names, even with a valid token."""
    response = post(client, slugs[0], token_of(client, slugs[0]), headers)
    assert response.status_code == status
    assert submissions(app) == (1 if status == 302 else 0)


def test_a_token_of_another_action_is_refused_and_keeps_what_was_typed(app, client, slugs):
    response = post(client, slugs[0], token_of(client, slugs[1]), first_name="Lucía")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form expired. Please submit it again." in html
    assert 'value="Lucía"' in html
    assert submissions(app) == 0
    # The page that came back holds a fresh token for this action, which signs.
    assert post(client, slugs[0], csrf_from(html)).status_code == 302


@pytest.mark.parametrize("token", ["", "garbage", "eyJhIjoxfQ.AAAA.BBBB"])
def test_a_missing_or_forged_token_is_refused(app, client, slugs, token):
    assert post(client, slugs[0], token).status_code == 400
    assert submissions(app) == 0


def test_a_token_older_than_a_day_is_refused(app, client, slugs, monkeypatch):
    token = token_of(client, slugs[0])
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + form_tokens.FORM_TOKEN_SECONDS + 60)
    assert post(client, slugs[0], token).status_code == 400
    monkeypatch.setattr(time, "time", lambda: real() + form_tokens.FORM_TOKEN_SECONDS - 60)
    assert post(client, slugs[0], token).status_code == 302


def test_an_embedded_form_refuses_cross_site_posts_too(app, client, slugs):
    html = client.get(f"/embed/a/{slugs[0]}").get_data(as_text=True)
    token = html.split('name="embed_token" value="')[1].split('"')[0]
    data = signer_form() | {"embed_token": token}
    refused = client.post(
        f"/embed/a/{slugs[0]}",
        data=data,
        headers={"Sec-Fetch-Site": "cross-site"},
        **from_new_address(),
    )
    assert refused.status_code == 403
    # Posted from our own iframe, the browser says same-origin.
    accepted = client.post(
        f"/embed/a/{slugs[0]}",
        data=data,
        headers={"Sec-Fetch-Site": "same-origin"},
        **from_new_address(),
    )
    assert accepted.status_code == 302
    assert submissions(app) == 1
