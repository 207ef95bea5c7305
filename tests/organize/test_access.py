import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Organization, Role
from tests.factories import make_campaign, make_organization, make_petition, make_user


@pytest.fixture
def two_orgs(app):
    with app.app_context():
        make_organization(slug="mine")
        theirs = make_organization(slug="theirs")
        their_campaign = make_campaign(theirs)
        their_petition = make_petition(their_campaign)
        return {"their_campaign": their_campaign.id, "their_action": their_petition.id}


def test_other_organizations_pages_are_404(app, client, login, two_orgs):
    """A member of one organization cannot see another's pages, not even that they exist."""
    with app.app_context():
        mine = db.session.scalars(select(Organization).where(Organization.slug == "mine")).one()
        make_user(mine, Role.owner, email="me@example.org")
    login("me@example.org")
    assert client.get("/organize/theirs/").status_code == 404
    assert client.get("/organize/theirs/outbox").status_code == 404
    # Their campaign's id under my organization's URL is just as unknown.
    assert client.get(f"/organize/mine/campaigns/{two_orgs['their_campaign']}").status_code == 404
    assert client.get(f"/organize/mine/actions/{two_orgs['their_action']}/edit").status_code == 404


@pytest.mark.parametrize(
    ("role", "view", "edit", "outbox"),
    [
        (Role.owner, 200, 200, 200),
        (Role.organizer, 200, 200, 200),
        (Role.staff, 200, 403, 200),
        (Role.viewer, 200, 403, 403),
    ],
)
def test_roles(app, client, login, role, view, edit, outbox):
    """Each role sees what it may: viewers look, staff read mail, organizers write."""
    with app.app_context():
        org = make_organization(slug="local-1")
        campaign_id = make_campaign(org).id
        make_user(org, role, email="person@example.org")
    login("person@example.org")
    assert client.get("/organize/local-1/").status_code == view
    assert client.get(f"/organize/local-1/campaigns/{campaign_id}").status_code == view
    assert client.get("/organize/local-1/campaigns/new").status_code == edit
    assert client.get(f"/organize/local-1/campaigns/{campaign_id}/edit").status_code == edit
    assert client.get("/organize/local-1/outbox").status_code == outbox


def test_viewer_cannot_publish_or_close(app, client, login, csrf):
    """A POST that changes a campaign is refused to a viewer."""
    with app.app_context():
        org = make_organization(slug="local-1")
        campaign_id = make_campaign(org).id
        make_user(org, Role.viewer, email="v@example.org")
    login("v@example.org")
    token = csrf("/organize/local-1/")
    resp = client.post(
        f"/organize/local-1/campaigns/{campaign_id}/close", data={"csrf_token": token}
    )
    assert resp.status_code == 403
