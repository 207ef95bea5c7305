"""After the action, a next step: the campaign's other actions, and share links that each
carry their own source code."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from campaigns.extensions import db
from campaigns.models import ActionKind
from tests.factories import make_action, make_campaign, make_letter, make_petition


def test_the_thank_you_page_offers_the_campaigns_other_actions_and_shares_by_channel(app, client):
    with app.app_context():
        campaign = make_campaign()
        petition = make_petition(campaign)
        letter = make_letter(campaign, targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        pledge = make_action(ActionKind.pledge, campaign)
        db.session.commit()
        slugs = petition.slug, letter.slug, pledge.slug
    page = client.get(f"/a/{slugs[0]}/thanks?signed=new").get_data(as_text=True)
    assert "One more thing you can do" in page
    assert f'href="/a/{slugs[1]}"' in page and f'href="/a/{slugs[2]}"' in page
    assert f'href="/a/{slugs[0]}"' not in page.split("next-actions")[1].split("</ul>")[0]
    # Each channel's link names its channel; the link to copy is share-copy.
    for channel in ("whatsapp", "facebook", "x", "email"):
        assert f"source%3Dshare-{channel}" in page or f"source=share-{channel}" in unquote(page)
    copy = page.split('id="share-url" type="text" readonly value="')[1].split('"')[0]
    assert parse_qs(urlsplit(copy.replace("&amp;", "&")).query)["source"] == ["share-copy"]
    assert 'data-copy="share-url"' in page and "js/share.js" in page
    spanish = client.get(
        f"/a/{slugs[0]}/thanks?signed=new", headers={"Accept-Language": "es"}
    ).get_data(as_text=True)
    assert "Algo más que puedes hacer" in spanish and "Copiar enlace" in spanish
