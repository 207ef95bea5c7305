from campaigns.core import cache
from campaigns.extensions import db
from campaigns.models import Action, CampaignStatus
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import counts
from tests.factories import make_campaign, make_petition


def sign_one(petition, n: int) -> None:
    sign(petition, Signer(first_name="Ana", last_name="Ruiz", email=f"c{n}@example.org"))


def test_count_json_is_public_and_cacheable(app, client):
    """count.json gives count, goal and time, cacheable by anyone, with no cookie."""
    with app.app_context():
        petition = make_petition(goal=500)
        sign_one(petition, 1)
        counts.tally_all()
        slug = petition.slug
    resp = client.get(f"/a/{slug}/count.json")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["count"], body["goal"]) == (1, 500)
    assert body["updated_at"].endswith("Z")
    assert resp.headers["Cache-Control"] == "public, max-age=10"
    assert resp.headers["ETag"] == 'W/"1-500"'
    assert "Set-Cookie" not in resp.headers
    assert "Cookie" not in resp.headers.get("Vary", "")
    assert resp.headers["Content-Type"] == "application/json"


def test_count_json_answers_304_while_the_count_is_unchanged(app, client):
    """A client holding the ETag gets 304 until a signature is counted."""
    with app.app_context():
        petition_id = make_petition(goal=None).id
        slug = db.session.get(Action, petition_id).slug
    first = client.get(f"/a/{slug}/count.json")
    etag = first.headers["ETag"]
    again = client.get(f"/a/{slug}/count.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        sign_one(db.session.get(Action, petition_id), 2)
        counts.tally_all()
    changed = client.get(f"/a/{slug}/count.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["count"] == 1


def test_count_json_keeps_no_store_off_even_with_a_session(app, client):
    """A visitor who already has a session cookie still gets a cacheable answer."""
    with app.app_context():
        slug = make_petition().slug
    client.get("/lang/es")  # sets the session cookie
    resp = client.get(f"/a/{slug}/count.json")
    assert resp.headers["Cache-Control"] == "public, max-age=10"
    assert "Set-Cookie" not in resp.headers


def test_count_json_of_a_draft_is_not_found(app, client):
    """Drafts do not exist for the public, their count neither."""
    with app.app_context():
        slug = make_petition(make_campaign(status=CampaignStatus.draft)).slug
    assert client.get(f"/a/{slug}/count.json").status_code == 404
    assert client.get("/a/no-such-thing/count.json").status_code == 404


def test_count_counts_confirmed_only_where_required(app, client):
    """The public count follows the petition's rule, as its page does."""
    with app.app_context():
        petition = make_petition(requires_confirmation=True)
        sign_one(petition, 3)
        counts.tally_all()
        slug = petition.slug
    assert client.get(f"/a/{slug}/count.json").get_json()["count"] == 0


def test_public_counts_are_reused_for_a_few_seconds(app, client):
    """With the cache on, a web process shows the count it read until the cache expires."""
    app.config["PUBLIC_COUNT_CACHE_SECONDS"] = 60
    with app.app_context():
        petition_id = make_petition().id
        slug = db.session.get(Action, petition_id).slug
    assert client.get(f"/a/{slug}/count.json").get_json()["count"] == 0
    assert "data-count>0<" in client.get(f"/a/{slug}").get_data(as_text=True)
    with app.app_context():
        sign_one(db.session.get(Action, petition_id), 4)
        counts.tally_all()
    assert client.get(f"/a/{slug}/count.json").get_json()["count"] == 0
    assert "data-count>0<" in client.get(f"/a/{slug}").get_data(as_text=True)
    with app.app_context():
        for name in ("count_json", "public_counts", "pages"):
            cache.forget(name)
    assert client.get(f"/a/{slug}/count.json").get_json()["count"] == 1
    assert "data-count>1<" in client.get(f"/a/{slug}").get_data(as_text=True)


def test_cached_page_is_the_same_for_every_visitor_and_signs(app):
    """A page served from the cache is the one the first visitor got, cookie-free, and its
    form token signs for anyone."""
    from tests.conftest import csrf_from
    from tests.factories import from_new_address, signer_form

    app.config["PUBLIC_COUNT_CACHE_SECONDS"] = 60
    with app.app_context():
        petition_id = make_petition().id
        slug = db.session.get(Action, petition_id).slug
    first, second = app.test_client(), app.test_client()
    pages = [c.get(f"/a/{slug}") for c in (first, second)]
    assert pages[0].get_data() == pages[1].get_data()
    assert not any("Set-Cookie" in page.headers for page in pages)
    token = csrf_from(pages[1].get_data(as_text=True))
    resp = second.post(f"/a/{slug}", data=signer_form(csrf_token=token), **from_new_address())
    assert resp.status_code == 302
    # Another language or source code is another page.
    spanish = first.get(f"/a/{slug}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'lang="es"' in spanish
    sourced = first.get(f"/a/{slug}?source=flyer").get_data(as_text=True)
    assert 'value="flyer"' in sourced
    assert 'value="flyer"' not in first.get(f"/a/{slug}").get_data(as_text=True)
