from campaigns.actions.public import PER_PAGE
from campaigns.models import CampaignStatus
from tests.factories import make_campaign, make_petition


def test_take_action_lists_live_campaigns_only(app, client):
    """Live campaigns are listed with their actions; drafts and closed ones are not."""
    with app.app_context():
        make_petition(make_campaign(title="Heat protections now"))
        make_petition(make_campaign(title="Secret draft", status=CampaignStatus.draft))
        make_petition(make_campaign(title="Finished fight", status=CampaignStatus.closed))
    html = client.get("/").get_data(as_text=True)
    assert "Heat protections now" in html
    assert "Secret draft" not in html
    assert "Finished fight" not in html
    assert 'href="/a/petition-' in html


def test_take_action_is_paginated(app, client):
    """Past a page of campaigns, the list continues on the next page."""
    with app.app_context():
        for n in range(PER_PAGE + 2):
            make_petition(make_campaign(title=f"Campaign number {n:02d}"))
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert first.count('class="card"') == PER_PAGE
    assert second.count('class="card"') == 2
    assert client.get("/?page=99").status_code == 200


def test_empty_take_action_page(client):
    """With nothing live the page says so instead of showing a blank list."""
    assert "There are no open campaigns right now" in client.get("/").get_data(as_text=True)
