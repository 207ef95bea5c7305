import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, Campaign, CampaignStatus, Role
from campaigns.submissions.signing import Signer, sign
from tests.factories import make_campaign, make_organization, make_petition, make_user


@pytest.fixture
def organizer(app, login):
    with app.app_context():
        org = make_organization(slug="local-5", name="Local 5")
        make_user(org, Role.organizer, email="org@example.org")
    login("org@example.org")
    return "/organize/local-5"


def test_empty_state_invites_a_first_campaign(client, organizer):
    """With no campaigns the page says what to do first."""
    html = client.get(f"{organizer}/").get_data(as_text=True)
    assert "No campaigns yet." in html
    assert "New campaign" in html


@pytest.mark.both_databases
def test_launch_a_petition_end_to_end(app, client, csrf, organizer, run_jobs):
    """Create a campaign, write its petition in two languages, publish, sign, see counts, close."""
    resp = client.post(
        f"{organizer}/campaigns/new",
        data={
            "title": "Huelga en Acme: ¡Únete!",
            "description": "Fair pay",
            "goal": "500",
            "csrf_token": csrf(f"{organizer}/campaigns/new"),
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        campaign = db.session.scalars(select(Campaign)).one()
        assert (campaign.slug, campaign.status) == ("huelga-en-acme-unete", CampaignStatus.draft)
        campaign_url = f"{organizer}/campaigns/{campaign.id}"

    new_petition = f"{campaign_url}/petitions/new"
    resp = client.post(
        new_petition,
        data={
            "title_en": "Fair pay at Acme",
            "body_en": "Pay us fairly.",
            "title_es": "Salario justo en Acme",
            "body_es": "Págannos justamente.",
            "goal": "500",
            "requires_confirmation": "y",
            "show_recent_signers": "y",
            "csrf_token": csrf(new_petition),
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        petition = db.session.scalars(select(Action)).one()
        assert petition.slug == "fair-pay-at-acme"
        assert petition.requires_confirmation
        assert {t.locale: t.title for t in petition.translations} == {
            "en": "Fair pay at Acme",
            "es": "Salario justo en Acme",
        }
    assert client.get("/a/fair-pay-at-acme").status_code == 404  # still a draft

    client.post(f"{campaign_url}/publish", data={"csrf_token": csrf(campaign_url)})
    assert client.get("/a/fair-pay-at-acme").status_code == 200
    assert "Huelga en Acme" in client.get("/").get_data(as_text=True)

    with app.app_context():
        petition = db.session.scalars(select(Action)).one()
        sign(petition, Signer("Ana", "Lopez", "ana@example.org"))
        sign(petition, Signer("Luis", "Diaz", "luis@example.org"))
    run_jobs(["counts"])
    html = client.get(campaign_url).get_data(as_text=True)
    assert 'data-stat="signed">2<' in html
    assert 'data-stat="confirmed">0<' in html
    assert 'data-stat="signed_24h">2<' in html

    client.post(f"{campaign_url}/close", data={"csrf_token": csrf(campaign_url)})
    with app.app_context():
        assert db.session.scalars(select(Campaign)).one().status == CampaignStatus.closed
    assert "This petition is closed" in client.get("/a/fair-pay-at-acme").get_data(as_text=True)


def test_campaign_form_errors_rerender(app, client, csrf, organizer):
    """A campaign with no title or a bad goal is not created; messages say why."""
    resp = client.post(
        f"{organizer}/campaigns/new",
        data={
            "title": "",
            "goal": "-3",
            "slug": "Bad Slug!",
            "csrf_token": csrf(f"{organizer}/campaigns/new"),
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "This field is required." in html
    assert "Number must be between 1 and 100000000." in html
    assert "Use lower-case letters, digits and single hyphens." in html
    with app.app_context():
        assert db.session.scalars(select(Campaign)).all() == []


def test_taken_web_address_is_refused(app, client, csrf, organizer):
    """Two campaigns cannot share a web address, even across organizations."""
    with app.app_context():
        make_campaign(make_organization(), slug="taken")
    resp = client.post(
        f"{organizer}/campaigns/new",
        data={"title": "Mine", "slug": "taken", "csrf_token": csrf(f"{organizer}/campaigns/new")},
    )
    assert resp.status_code == 422
    assert "That web address is taken" in resp.get_data(as_text=True)


def test_cannot_publish_without_an_action(app, client, csrf, organizer):
    """A campaign with nothing to sign stays a draft, with a message."""
    with app.app_context():
        from campaigns.models import Organization

        org = db.session.scalars(select(Organization)).one()
        campaign_id = make_campaign(org, status=CampaignStatus.draft).id
    url = f"{organizer}/campaigns/{campaign_id}"
    resp = client.post(f"{url}/publish", data={"csrf_token": csrf(url)}, follow_redirects=True)
    assert "add an action before publishing" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == CampaignStatus.draft


def test_edit_petition_keeps_its_address_and_updates_text(app, client, csrf, organizer):
    """Editing a petition changes its text; its web address stays."""
    with app.app_context():
        from campaigns.models import Organization

        org = db.session.scalars(select(Organization)).one()
        petition = make_petition(make_campaign(org), slug="keep-me")
        url = f"{organizer}/actions/{petition.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "keep-me" in page
    resp = client.post(
        url,
        data={
            "slug": "keep-me",
            "title_en": "New title",
            "body_en": "New text",
            "csrf_token": csrf(url),
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        petition = db.session.scalars(select(Action)).one()
        assert petition.slug == "keep-me"
        assert petition.content("en").title == "New title"
        assert not petition.requires_confirmation  # unticked box


def test_spanish_title_without_text_is_refused(app, client, csrf, organizer):
    """Half a translation is not saved."""
    with app.app_context():
        from campaigns.models import Organization

        org = db.session.scalars(select(Organization)).one()
        campaign_id = make_campaign(org).id
    url = f"{organizer}/campaigns/{campaign_id}/petitions/new"
    resp = client.post(
        url,
        data={"title_en": "T", "body_en": "B", "title_es": "Título", "csrf_token": csrf(url)},
    )
    assert resp.status_code == 422
    assert "Add the Spanish text" in resp.get_data(as_text=True)
