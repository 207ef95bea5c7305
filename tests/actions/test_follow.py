from email.utils import parseaddr

import pytest
from sqlalchemy import select

from campaigns.actions import follows
from campaigns.extensions import db
from campaigns.models import Campaign, Follow, OutboxEmail, Supporter
from campaigns.submissions import subscriptions
from tests.conftest import csrf_from
from tests.factories import make_campaign, make_organization, make_petition, make_user


@pytest.fixture
def campaign(app):
    with app.app_context():
        org = make_organization()
        item = make_campaign(org, title="Fair contract at Acme")
        make_petition(item)
        return {"slug": item.slug, "id": item.id, "org": org.slug, "email": make_user(org).email}


def follow(client, slug, lang="en", **fields):
    headers = {"Accept-Language": lang}
    page = client.get(f"/c/{slug}", headers=headers).get_data(as_text=True)
    data = {"name": "Ana", "email": "ana@example.org", "website": ""} | fields
    data["csrf_token"] = csrf_from(page)
    return client.post(f"/c/{slug}/follow", data=data, headers=headers)


def test_campaign_page_lists_actions_with_counts_and_a_follow_form(client, campaign):
    """The public campaign page shows its actions with their counts and a follow form."""
    html = client.get(f"/c/{campaign['slug']}").get_data(as_text=True)
    assert "Fair contract at Acme" in html
    assert "data-count>0</strong>" in html
    assert "Follow this campaign" in html


def test_draft_campaign_page_is_404(app, client):
    """A draft campaign has no public page."""
    from campaigns.models import CampaignStatus

    with app.app_context():
        slug = make_campaign(status=CampaignStatus.draft).slug
    assert client.get(f"/c/{slug}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": ""}, "Please enter your email address."),
        ({"email": "ana@"}, "Please enter a valid email address"),
        ({"name": ""}, "Please enter your first name."),
        ({"name": "<script>"}, "Please use letters only"),
    ],
)
def test_bad_follow_is_refused_and_nothing_written(app, client, campaign, fields, message):
    """A follow form with bad input comes back 422 with the message; nothing is stored."""
    resp = follow(client, campaign["slug"], **fields)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Follow)).first() is None
        assert db.session.scalars(select(Supporter)).first() is None


def test_update_reaches_followers_in_their_language_not_the_unsubscribed(
    app, client, campaign, login, run_jobs
):
    """An organizer's update goes to each follower in the language they followed in, through
    RQ jobs, and not to a follower who unsubscribed."""
    resp = follow(client, campaign["slug"], name="Ana", email="ana@example.org")
    assert resp.status_code == 302
    assert "You are following this campaign" in client.get(resp.headers["Location"]).get_data(True)
    follow(client, campaign["slug"], lang="es", name="Beto", email="beto@example.org")
    follow(client, campaign["slug"], name="Cata", email="cata@example.org")
    follow(client, campaign["slug"], name="Ana", email="ana@example.org")  # twice is once
    with app.app_context():
        assert len(db.session.scalars(select(Follow)).all()) == 3
        cata = db.session.scalars(select(Supporter).where(Supporter.email == "cata@example.org"))
        subscriptions.unsubscribe(cata.one())

    login(campaign["email"])
    url = f"/organize/{campaign['org']}/campaigns/{campaign['id']}/updates"
    page = client.get(url).get_data(as_text=True)
    assert "data-followers>2</strong>" in page
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "subject_en": "We won a meeting",
            "body_en": "Acme agreed to meet the union.",
            "subject_es": "Logramos una reunión",
            "body_es": "Acme aceptó reunirse con el sindicato.",
        },
    )
    assert resp.status_code == 302
    run_jobs(["mail"])
    with app.app_context():
        sent = {parseaddr(e.to_address)[1]: e for e in db.session.scalars(select(OutboxEmail))}
    assert set(sent) == {"ana@example.org", "beto@example.org"}
    assert sent["ana@example.org"].subject == "We won a meeting"
    assert "Acme agreed to meet" in sent["ana@example.org"].text_body
    assert sent["beto@example.org"].subject == "Logramos una reunión"
    assert "Hola, Beto:" in sent["beto@example.org"].text_body
    assert "List-Unsubscribe" in sent["beto@example.org"].headers
    # A retried delivery job does not send the same update twice.
    with app.app_context():
        from campaigns.actions.follow_updates import deliver_update
        from campaigns.models import CampaignUpdate

        update_id = db.session.scalars(select(CampaignUpdate.id)).one()
        ids = db.session.scalars(select(Follow.id)).all()
        assert deliver_update(update_id, ids) == 0


def test_bad_update_is_refused(app, client, campaign, login):
    """An update without a subject, or with only half of the Spanish, is refused (422)."""
    login(campaign["email"])
    url = f"/organize/{campaign['org']}/campaigns/{campaign['id']}/updates"
    token = csrf_from(client.get(url).get_data(as_text=True))
    resp = client.post(url, data={"csrf_token": token, "subject_en": "", "body_en": "x"})
    assert resp.status_code == 422
    resp = client.post(
        url,
        data={"csrf_token": token, "subject_en": "s", "body_en": "b", "subject_es": "solo"},
    )
    assert resp.status_code == 422
    assert "Write both the Spanish subject and message" in resp.get_data(as_text=True)
    with app.app_context():
        assert follows.updates_of(db.session.get(Campaign, campaign["id"])) == []
