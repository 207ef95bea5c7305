import re

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Campaign, CampaignStatus, Submission, Supporter
from campaigns.submissions import confirmation
from campaigns.tracking import counts
from tests.factories import from_new_address, make_campaign, make_petition, signer_form


def total_submissions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


def post_sign(client, csrf, slug, **fields):
    data = signer_form(**fields)
    data.setdefault("csrf_token", csrf(f"/a/{slug}"))
    return client.post(f"/a/{slug}", data=data, **from_new_address())


@pytest.fixture
def petition_slug(app):
    with app.app_context():
        return make_petition(goal=50).slug


def test_petition_page_shows_text_count_and_form(client, petition_slug):
    """A supporter sees the petition, its count and progress toward the goal, and the form."""
    html = client.get(f"/a/{petition_slug}").get_data(as_text=True)
    assert "We ask for fair pay." in html
    assert "data-count>0</strong>" in html
    assert 'aria-valuemax="50"' in html
    for label in ("First name", "Last name", "Email", "ZIP or postcode"):
        assert label in html


@pytest.mark.both_databases
def test_signing_redirects_to_thanks_and_counts(app, client, csrf, petition_slug, run_jobs):
    """A signature redirects to a thank-you page with share links; the tally counts it."""
    resp = post_sign(client, csrf, petition_slug, source="union-flyer")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/a/{petition_slug}/thanks?signed=new")
    thanks = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Thank you for signing!" in thanks
    assert "https://wa.me/?text=" in thanks
    # Sharing loads nothing from the networks: the only script is our own copy button.
    assert re.findall(r"<script[^>]*>", thanks) == ['<script src="/static/js/share.js" defer>']
    run_jobs(["counts"])
    page = client.get(f"/a/{petition_slug}").get_data(as_text=True)
    assert "data-count>1</strong>" in page
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.source == "union-flyer"


def test_signing_twice_says_so_kindly(app, client, csrf, petition_slug):
    """The same person signing again is told they already signed, and is counted once."""
    post_sign(client, csrf, petition_slug, email="Rosa.Perez@gmail.com")
    resp = post_sign(client, csrf, petition_slug, email="rosaperez+again@gmail.com")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "You have already signed" in html
    assert total_submissions(app) == 1


def test_thanks_without_signing_goes_back_to_the_petition(client, petition_slug):
    """The thank-you page cannot be reached without signing."""
    resp = client.get(f"/a/{petition_slug}/thanks")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/a/{petition_slug}")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": ""}, "Please enter your first name."),
        ({"last_name": "   "}, "Please enter your last name."),
        ({"email": ""}, "Please enter your email address."),
        ({"email": "maria@"}, "Please enter a valid email address"),
        ({"email": "maria at example.org"}, "Please enter a valid email address"),
        ({"postcode": ""}, "Please enter your ZIP or postcode."),
        ({"postcode": "<b>946</b>"}, "Please enter a ZIP or postcode"),
        ({"first_name": "x" * 101}, "Please use at most 100 characters."),
        ({"comment": "y" * 1001}, "Please use at most 1000 characters."),
        ({"first_name": "<script>alert(1)</script>"}, "Please use letters only"),
    ],
)
def test_bad_input_rerenders_with_a_message_and_stores_nothing(
    app, client, csrf, petition_slug, fields, message
):
    """Each bad field gets its own message next to it, the rest is kept, nothing is stored."""
    resp = post_sign(client, csrf, petition_slug, **fields)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "<script>alert(1)</script>" not in html
    assert '="None"' not in html
    assert 'value="Garcia"' in html or fields.get("last_name") is not None
    assert total_submissions(app) == 0


def test_missing_csrf_token_is_rejected(app, client, petition_slug):
    """A post without the form's token (a forged cross-site post) stores nothing."""
    resp = client.post(f"/a/{petition_slug}", data=signer_form())
    assert resp.status_code == 400
    assert "This form expired" in resp.get_data(as_text=True)
    assert total_submissions(app) == 0


def test_honeypot_filled_stores_nothing(app, client, csrf, petition_slug):
    """A bot that fills the hidden field sees a normal page, but nothing is stored."""
    resp = post_sign(client, csrf, petition_slug, website="http://spam.example")
    assert resp.status_code == 200
    assert total_submissions(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 0


def test_comment_with_markup_is_stored_as_text(app, client, csrf, petition_slug):
    """A comment is kept verbatim and never rendered as markup."""
    post_sign(client, csrf, petition_slug, comment="<script>alert('x')</script> fair pay!")
    with app.app_context():
        assert db.session.scalars(select(Submission)).one().comment.startswith("<script>")


def test_unknown_petition_is_404(client):
    """A petition that does not exist is a plain 404 page."""
    resp = client.get("/a/no-such-petition")
    assert resp.status_code == 404
    assert "We could not find that page" in resp.get_data(as_text=True)
    assert client.post("/a/no-such-petition", data=signer_form()).status_code in (400, 404)


def test_draft_petition_is_not_public(app, client):
    """A draft campaign's petition does not exist for the public."""
    with app.app_context():
        slug = make_petition(make_campaign(status=CampaignStatus.draft)).slug
    assert client.get(f"/a/{slug}").status_code == 404


def test_closed_petition_shows_count_but_takes_no_signatures(app, client, csrf):
    """A closed petition keeps its page and count; a signature is refused with 410."""
    with app.app_context():
        campaign_id = make_campaign().id
        slug = make_petition(db.session.get(Campaign, campaign_id)).slug
    token = csrf(f"/a/{slug}")
    with app.app_context():
        db.session.get(Campaign, campaign_id).status = CampaignStatus.closed
        db.session.commit()
    page = client.get(f"/a/{slug}")
    assert page.status_code == 200
    assert "This petition is closed" in page.get_data(as_text=True)
    resp = client.post(f"/a/{slug}", data={**signer_form(), "csrf_token": token})
    assert resp.status_code == 410
    assert total_submissions(app) == 0


def test_recent_signers_show_only_what_each_allowed(app, client, csrf, petition_slug, run_jobs):
    """The public list shows first name, initial and city of confirmed signers who chose it;
    no emails, and nobody whose address has not answered the confirmation email."""
    post_sign(
        client,
        csrf,
        petition_slug,
        first_name="Lucia",
        last_name="Ramirez",
        city="Fresno",
        email="lucia@example.org",
        show_name="y",
    )
    post_sign(
        client,
        csrf,
        petition_slug,
        first_name="Hidden",
        last_name="Person",
        email="hidden@example.org",
    )
    post_sign(
        client,
        csrf,
        petition_slug,
        first_name="Unconfirmed",
        last_name="Claim",
        city="Nowhere",
        email="someone-else@example.org",
        show_name="y",
    )
    with app.app_context():
        for email in ("lucia@example.org", "hidden@example.org"):
            submission = db.session.scalars(
                select(Submission).join(Supporter).where(Supporter.email == email)
            ).one()
            confirmation.confirm(submission)
    run_jobs(["counts"])
    html = client.get(f"/a/{petition_slug}").get_data(as_text=True)
    assert "Lucia R., Fresno" in html
    assert "Ramirez" not in html
    assert "Hidden" not in html
    # Anyone can type a name and someone else's address: unconfirmed, it is not shown.
    assert "Unconfirmed" not in html and "Nowhere" not in html
    assert "@example.org" not in html
    assert "data-count>3</strong>" in html


def test_signing_again_keeps_the_address_first_given(app, client, csrf, petition_slug):
    """An alias of the same address is the same signature, and the stored address stays as
    the person first wrote it."""
    post_sign(client, csrf, petition_slug, email="Maria.Garcia@example.org")
    post_sign(client, csrf, petition_slug, email="MARIA.GARCIA@EXAMPLE.ORG")
    with app.app_context():
        [supporter] = db.session.scalars(select(Supporter)).all()
        assert supporter.email == "Maria.Garcia@example.org"
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_confirmation_required_counts_only_confirmed(app, client, csrf, run_jobs):
    """Where the action requires confirmation, an unconfirmed signature is not counted."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    post_sign(client, csrf, slug, show_name="y")
    run_jobs(["counts"])
    html = client.get(f"/a/{slug}").get_data(as_text=True)
    assert "data-count>0</strong>" in html
    assert "Maria G." not in html
    with app.app_context():
        from campaigns.models import Action

        act = db.session.scalars(select(Action).where(Action.slug == slug)).one()
        assert counts.for_action(act).signed == 1


def test_error_messages_are_escaped_like_any_text(app, client, csrf, petition_slug):
    """A message that names characters (< >) shows them as text, never as markup."""
    resp = post_sign(client, csrf, petition_slug, first_name="<b>Ana</b>")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "without &lt; &gt; { } [ ]" in html
    assert "without < >" not in html
