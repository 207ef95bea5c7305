import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Submission
from campaigns.submissions.confirmation import confirmation_token
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import counts
from tests.conftest import csrf_from
from tests.factories import make_petition


@pytest.fixture
def signed(app):
    """A pending signature on a petition that requires confirmation: (slug, token, id)."""
    with app.app_context():
        petition = make_petition(requires_confirmation=True)
        result = sign(petition, Signer("Ana", "Lopez", "ana@example.org"))
        return petition.slug, confirmation_token(result.submission), result.submission.id


def confirmed_at(app, submission_id):
    with app.app_context():
        return db.session.get(Submission, submission_id).confirmed_at


@pytest.mark.both_databases
def test_opening_the_link_does_not_confirm_but_the_button_does(app, client, signed, run_jobs):
    """A link scanner's GET changes nothing; the person's button press confirms and counts."""
    slug, token, submission_id = signed
    page = client.get(f"/a/{slug}/confirm/{token}")
    assert page.status_code == 200
    assert "Yes, confirm my signature" in page.get_data(as_text=True)
    client.get(f"/a/{slug}/confirm/{token}")  # a second scanner visit
    assert confirmed_at(app, submission_id) is None

    resp = client.post(
        f"/a/{slug}/confirm/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert resp.status_code == 200
    assert "Your signature is confirmed" in resp.get_data(as_text=True)
    assert confirmed_at(app, submission_id) is not None
    run_jobs(["counts"])
    with app.app_context():
        petition = db.session.get(Submission, submission_id).action
        assert counts.for_action(petition).confirmed == 1
        assert counts.public_total(petition) == 1


def test_confirming_twice_counts_once(app, client, signed, run_jobs):
    """A double click confirms once and the page says it is already confirmed."""
    slug, token, submission_id = signed
    for _ in range(2):
        page = client.get(f"/a/{slug}/confirm/{token}").get_data(as_text=True)
        if "csrf_token" in page:
            client.post(f"/a/{slug}/confirm/{token}", data={"csrf_token": csrf_from(page)})
    assert "already confirmed" in client.get(f"/a/{slug}/confirm/{token}").get_data(as_text=True)
    run_jobs(["counts"])
    with app.app_context():
        petition = db.session.get(Submission, submission_id).action
        assert counts.for_action(petition).confirmed == 1


def test_confirm_post_needs_the_forms_token(app, client, signed):
    """A cross-site POST to the confirm URL without the token confirms nothing."""
    slug, token, submission_id = signed
    assert client.post(f"/a/{slug}/confirm/{token}").status_code == 400
    assert confirmed_at(app, submission_id) is None


@pytest.mark.parametrize("bad", ["garbage", "eyJhbGciOi.x.y"])
def test_tampered_token_is_refused(client, signed, bad):
    """An altered link shows a clear page and confirms nothing."""
    slug, _, _ = signed
    resp = client.get(f"/a/{slug}/confirm/{bad}")
    assert resp.status_code == 404
    assert "This confirmation link is not valid" in resp.get_data(as_text=True)


def test_token_works_only_for_its_own_petition(app, client, signed):
    """A token from one petition's email cannot confirm under another petition's URL."""
    _, token, submission_id = signed
    with app.app_context():
        other = make_petition().slug
    assert client.get(f"/a/{other}/confirm/{token}").status_code == 404
    assert confirmed_at(app, submission_id) is None


def test_unsubscribe_token_cannot_confirm(app, client, signed):
    """Tokens are bound to their purpose: an unsubscribe token is no confirmation."""
    slug, _, submission_id = signed
    with app.app_context():
        from campaigns.submissions.subscriptions import unsubscribe_token

        supporter = db.session.get(Submission, submission_id).supporter
        wrong = unsubscribe_token(supporter)
    assert client.get(f"/a/{slug}/confirm/{wrong}").status_code == 404


def test_confirmation_link_expires(app, client, signed):
    """Links older than the configured age are refused."""
    slug, token, _ = signed
    app.config["CONFIRMATION_MAX_AGE_DAYS"] = -1
    assert client.get(f"/a/{slug}/confirm/{token}").status_code == 404


def test_no_submission_left_unconfirmed_by_a_get(app, client, signed):
    """Sanity: the pending submission is the only one and stays pending after GETs."""
    slug, token, _ = signed
    client.get(f"/a/{slug}/confirm/{token}")
    with app.app_context():
        rows = db.session.scalars(select(Submission)).all()
        assert [r.confirmed_at for r in rows] == [None]
