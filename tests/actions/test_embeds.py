import re

import pytest
from sqlalchemy import select

from campaigns.events import rsvps as events
from campaigns.extensions import db
from campaigns.models import ActionKind, Rsvp, Submission
from tests.factories import from_new_address, make_action, make_event, make_petition, signer_form

EMBED_TOKEN = re.compile(r'name="embed_token" value="([^"]+)"')


def embed_form(client, slug, source="partner-org"):
    resp = client.get(f"/embed/a/{slug}?source={source}")
    assert resp.status_code == 200
    return resp, EMBED_TOKEN.search(resp.get_data(as_text=True)).group(1)


def test_embed_may_be_framed_and_sets_no_cookie(app, client):
    """The embed page lets other sites frame it and needs no session cookie."""
    with app.app_context():
        slug = make_petition().slug
    resp, _ = embed_form(client, slug)
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers
    assert "Set-Cookie" not in resp.headers
    assert "csrf_token" not in resp.get_data(as_text=True)
    # The action's own page still refuses to be framed.
    page = client.get(f"/a/{slug}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


@pytest.mark.both_databases
def test_embedded_signature_counts_with_the_partner_as_source(app, run_jobs):
    """A post from the embed, with no cookie at all, signs and counts like the page, and
    records the partner as the source."""
    with app.app_context():
        slug = make_action(ActionKind.pledge).slug
    client = app.test_client(use_cookies=False)
    _, token = embed_form(client, slug, source="teamsters-local-5")
    data = signer_form() | {"embed_token": token, "source": "teamsters-local-5"}
    resp = client.post(f"/embed/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 302
    assert f"/embed/a/{slug}/thanks?signed=new" in resp.headers["Location"]
    thanks = client.get(resp.headers["Location"])
    assert "Thank you for pledging!" in thanks.get_data(as_text=True)
    assert "frame-ancestors *" in thanks.headers["Content-Security-Policy"]
    run_jobs(["counts"])
    assert "data-count>1</strong>" in client.get(f"/a/{slug}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission.source)).one() == "teamsters-local-5"


def test_embedded_rsvp_records_the_partner(app):
    """An RSVP through the embed holds a place and records the partner."""
    with app.app_context():
        action = make_event(shifts=[(1, 3)])
        slug, shift_id = action.slug, events.shifts_of(action)[0].id
    client = app.test_client(use_cookies=False)
    _, token = embed_form(client, slug, source="worker-center")
    data = signer_form() | {"embed_token": token, "shifts": str(shift_id)}
    resp = client.post(f"/embed/a/{slug}?source=worker-center", data=data, **from_new_address())
    assert resp.status_code == 302
    assert "calendar.ics" in client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission.source)).one() == "worker-center"
        assert db.session.scalars(select(Rsvp)).one().status.value == "attending"


@pytest.mark.parametrize(
    "token", ["", "forged", "other-action"], ids=["missing", "forged", "other-action"]
)
def test_embed_post_without_a_valid_token_is_refused(app, token):
    """A post without this action's embed token is refused and stores nothing; the form
    comes back with what was typed."""
    with app.app_context():
        slug = make_petition().slug
        other = make_petition().slug
    client = app.test_client(use_cookies=False)
    if token == "other-action":
        _, token = embed_form(client, other)
    data = signer_form(first_name="Lucía") | {"embed_token": token}
    resp = client.post(f"/embed/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "This form expired" in html and 'value="Lucía"' in html
    with app.app_context():
        assert db.session.scalars(select(Submission)).first() is None


def test_expired_embed_token_is_refused(app, monkeypatch):
    """An embed token older than its lifetime no longer signs."""
    import time

    with app.app_context():
        slug = make_petition().slug
    client = app.test_client(use_cookies=False)
    _, token = embed_form(client, slug)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 5 * 3600)
    resp = client.post(
        f"/embed/a/{slug}", data=signer_form() | {"embed_token": token}, **from_new_address()
    )
    assert resp.status_code == 400


def test_bad_embed_input_is_refused_with_messages(app):
    """A bad email in the embedded form comes back 422 with the message; nothing stored."""
    with app.app_context():
        slug = make_petition().slug
    client = app.test_client(use_cookies=False)
    _, token = embed_form(client, slug)
    resp = client.post(
        f"/embed/a/{slug}",
        data=signer_form(email="nope") | {"embed_token": token},
        **from_new_address(),
    )
    assert resp.status_code == 422
    assert "Please enter a valid email address" in resp.get_data(as_text=True)
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    with app.app_context():
        assert db.session.scalars(select(Submission)).first() is None


def test_page_post_still_needs_the_session_csrf_token(app):
    """Only the embed routes are exempt: the action page's form without a token is 400."""
    with app.app_context():
        slug = make_petition().slug
    client = app.test_client()
    client.application.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/a/{slug}", data=signer_form()).status_code == 400


def test_source_on_a_share_link_is_stored(app, client, csrf):
    """A `?source=` on the action's link is carried by the form into the submission."""
    with app.app_context():
        slug = make_action(ActionKind.pledge).slug
    page = client.get(f"/a/{slug}?source=whatsapp-group").get_data(as_text=True)
    assert 'value="whatsapp-group"' in page
    from tests.conftest import csrf_from

    client.post(
        f"/a/{slug}",
        data=signer_form(source="whatsapp-group") | {"csrf_token": csrf_from(page)},
    )
    with app.app_context():
        assert db.session.scalars(select(Submission.source)).one() == "whatsapp-group"


def test_organizer_sees_the_embed_code(app, client, login):
    """The embed page for organizers shows the iframe and the embed.js script."""
    from tests.factories import make_campaign, make_organization, make_user

    with app.app_context():
        org = make_organization()
        email = make_user(org).email
        action = make_petition(make_campaign(org))
        url = f"/organize/{org.slug}/actions/{action.id}/embed?source=ally"
        slug = action.slug
    login(email)
    html = client.get(url).get_data(as_text=True)
    assert f"/embed/a/{slug}?source=ally" in html
    assert "/static/js/embed.js" in html and "campaigns-embed" in html


def test_an_embed_in_a_sandboxed_frame_signs_with_its_token(app):
    """A host page may sandbox the frame, so its posts come from an opaque origin
    (`Origin: null`); the embed token, made for this action by us, still lets them sign."""
    with app.app_context():
        slug = make_petition().slug
    client = app.test_client(use_cookies=False)
    _, token = embed_form(client, slug)
    address = from_new_address()
    address["headers"] = {"Origin": "null"}
    resp = client.post(f"/embed/a/{slug}", data=signer_form() | {"embed_token": token}, **address)
    assert resp.status_code == 302
    cross = client.post(
        f"/embed/a/{slug}",
        data=signer_form(email="other@example.org") | {"embed_token": token},
        headers={"Origin": "https://evil.example"},
        **from_new_address(),
    )
    assert cross.status_code == 403
