import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import ActionKind, OutboxEmail, Submission
from campaigns.submissions import confirmation
from tests.factories import from_new_address, make_action, signer_form


def post(client, csrf, slug, **fields):
    data = signer_form(**fields)
    data.setdefault("csrf_token", csrf(f"/a/{slug}"))
    return client.post(f"/a/{slug}", data=data, **from_new_address())


@pytest.fixture
def pledge_slug(app):
    with app.app_context():
        return make_action(ActionKind.pledge, goal=40).slug


def test_pledge_page_speaks_of_pledges(client, pledge_slug):
    """A pledge page asks the supporter to pledge and counts pledges, not signatures."""
    html = client.get(f"/a/{pledge_slug}").get_data(as_text=True)
    assert "Make the pledge" in html
    assert "I pledge" in html
    assert "pledges" in html and "signatures" not in html


@pytest.mark.both_databases
def test_pledging_counts_once_and_sends_a_confirmation(app, client, csrf, pledge_slug, run_jobs):
    """Pledging twice with the same address is one pledge; the email asks to confirm it."""
    first = post(client, csrf, pledge_slug, email="ana@example.org", source="flyer")
    assert first.headers["Location"].endswith(f"/a/{pledge_slug}/thanks?signed=new")
    thanks = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Thank you for pledging!" in thanks
    assert "Ask others to join" in thanks and "https://wa.me/?text=" in thanks
    again = post(client, csrf, pledge_slug, email="ANA@example.org")
    assert "You have already pledged" in client.get(again.headers["Location"]).get_data(True)
    run_jobs()
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.source == "flyer"
        subjects = [e.subject for e in db.session.scalars(select(OutboxEmail))]
        assert subjects and all(s.startswith("Please confirm your pledge") for s in subjects)
    assert "data-count>1</strong>" in client.get(f"/a/{pledge_slug}").get_data(True)


def test_pledge_list_shows_only_those_who_chose_it(app, client, csrf, pledge_slug):
    """Only pledgers who ticked the box appear, as first name, initial and city."""
    post(client, csrf, pledge_slug, first_name="Rosa", last_name="Diaz", show_name="y")
    post(client, csrf, pledge_slug, first_name="Hidden", last_name="Person")
    # Not before her address answered the confirmation email.
    assert "Rosa D." not in client.get(f"/a/{pledge_slug}").get_data(as_text=True)
    with app.app_context():
        for submission in db.session.scalars(select(Submission)).all():
            confirmation.confirm(submission)
    html = client.get(f"/a/{pledge_slug}").get_data(as_text=True)
    assert "Rosa D., Oakland" in html
    assert "Hidden" not in html


def test_bad_pledge_is_refused_with_messages(app, client, csrf, pledge_slug):
    """A pledge without an email comes back 422 with the message, and nothing is stored."""
    resp = post(client, csrf, pledge_slug, email="")
    assert resp.status_code == 422
    assert "Please enter your email address." in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission)).first() is None
