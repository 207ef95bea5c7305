"""Staff find supporters with filters, open a person's page, and tag people."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Role, Tagging
from campaigns.supporters import filters as supporter_filters
from campaigns.supporters.filters import SupporterFilter
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

JAN = datetime(2026, 1, 15, 12, tzinfo=UTC)
MAR = datetime(2026, 3, 15, 12, tzinfo=UTC)


@pytest.fixture
def people(app):
    """An organization with a handful of supporters across two campaigns."""
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        campaign = make_campaign(org)
        petition = make_petition(campaign)
        other_petition = make_petition(make_campaign(org))
        ids = {
            "ana": make_supporter(
                org,
                (petition,),
                first_name="Ana",
                last_name="Ruiz",
                email="ana@example.org",
                confirmed=True,
                signed_at=JAN,
                subscribed=True,
                locale="es",
                postcode="94612",
            ).id,
            "bea": make_supporter(
                org,
                (petition,),
                first_name="Bea",
                last_name="Smith",
                email="bea@example.org",
                signed_at=MAR,
                postcode="10001",
            ).id,
            "cal": make_supporter(
                org,
                (other_petition,),
                first_name="Cal",
                last_name="Jones",
                email="cal.jones@example.org",
                confirmed=True,
                signed_at=MAR,
                postcode="94610",
            ).id,
            "dee": make_supporter(org, (), first_name="Dee", last_name="Ruiz", postcode="60601").id,
        }
        # Someone of another organization who matches every filter by name.
        stranger_org = make_organization()
        make_supporter(
            stranger_org, (make_petition(make_campaign(stranger_org)),), first_name="Ana"
        )
        return {
            "org": org.id,
            "campaign": campaign.id,
            "petition": petition.id,
            "other_petition": other_petition.id,
            **ids,
        }


def matching(people, **filters) -> set[str]:
    names = {v: k for k, v in people.items() if k in ("ana", "bea", "cal", "dee")}
    f = SupporterFilter.from_dict(filters)
    ids = db.session.scalars(supporter_filters.supporter_ids(people["org"], f))
    return {names[i] for i in ids}


@pytest.mark.both_databases
def test_each_filter_picks_the_right_people(app, people):
    """Search, campaign, action, dates, confirmation, subscription, language, postcode and
    tag each narrow the list, within the organization only."""
    with app.app_context():
        assert matching(people) == {"ana", "bea", "cal", "dee"}
        assert matching(people, q="ruiz") == {"ana", "dee"}
        assert matching(people, q="ana ruiz") == {"ana"}
        assert matching(people, q="cal.jones@") == {"cal"}
        assert matching(people, q="100%") == set()
        assert matching(people, campaign_id=people["campaign"]) == {"ana", "bea"}
        assert matching(people, action_id=people["other_petition"]) == {"cal"}
        assert matching(people, date_from="2026-03-01") == {"bea", "cal"}
        assert matching(people, date_to="2026-01-15") == {"ana"}
        assert matching(people, date_from="2026-01-16", date_to="2026-03-14") == set()
        assert matching(people, confirmed="yes") == {"ana", "cal"}
        assert matching(people, confirmed="no") == {"bea", "dee"}
        # Together: a confirmed signature of this campaign's action.
        assert matching(people, campaign_id=people["campaign"], confirmed="yes") == {"ana"}
        assert matching(people, subscribed="yes") == {"ana"}
        assert matching(people, subscribed="no") == {"bea", "cal", "dee"}
        assert matching(people, language="es") == {"ana"}
        assert matching(people, postcode="946") == {"ana", "cal"}
        # Unparseable values are ignored rather than failing the page.
        assert matching(people, date_from="yesterday", campaign_id="x") == {
            "ana",
            "bea",
            "cal",
            "dee",
        }


def test_an_action_of_another_organization_matches_nobody(app, people):
    """Filtering by another organization's action id shows none of its signers."""
    with app.app_context():
        other = make_petition(make_campaign(make_organization()))
        make_supporter(other.campaign.organization, (other,))
        assert matching(people, action_id=other.id) == set()


def test_list_page_counts_and_pages_through_everyone(app, client, login, people):
    """The list shows how many match and pages through them without repeats."""
    with app.app_context():
        from campaigns.models import Organization

        org = db.session.get(Organization, people["org"])
        for n in range(60):
            make_supporter(org, (), first_name="Many", last_name=f"P{n}")
    login("staff@example.org")
    page = client.get("/organize/local-1/supporters?q=many")
    html = page.get_data(as_text=True)
    assert "<strong>60</strong> people match these filters" in html
    assert html.count("Many P") == 50
    next_url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert second.count("Many P") == 10
    assert 'rel="next"' not in second
    seen = {line for line in (html + second).split("\n") if "Many P" in line}
    assert len(seen) == 60


def test_person_page_lists_every_action(app, client, login, people):
    """A person's page shows their details and each action they took."""
    with app.app_context():
        from campaigns.models import Organization

        org = db.session.get(Organization, people["org"])
        both = make_supporter(
            org,
            (
                make_petition(make_campaign(org, title="Heat safety")),
                make_petition(make_campaign(org, title="Fair pay")),
            ),
            first_name="Eva",
        ).id
    login("staff@example.org")
    html = client.get(f"/organize/local-1/supporters/{both}").get_data(as_text=True)
    assert "Eva" in html and "Heat safety" in html and "Fair pay" in html


def test_staff_tag_a_person_and_remove_it(app, client, login, csrf, people):
    """A tag added on a person's page shows there and filters the list; removing it works."""
    login("staff@example.org")
    url = f"/organize/local-1/supporters/{people['bea']}"
    client.post(f"{url}/tags", data={"name": " Night  shift ", "csrf_token": csrf(url)})
    html = client.get(url).get_data(as_text=True)
    assert "Night shift" in html
    with app.app_context():
        tag_id = db.session.scalar(select(Tagging.tag_id))
        assert matching(people, tag_id=tag_id) == {"bea"}
    client.post(f"{url}/tags/{tag_id}/remove", data={"csrf_token": csrf(url)})
    with app.app_context():
        assert matching(people, tag_id=tag_id) == set()


@pytest.mark.both_databases
def test_bulk_tag_tags_exactly_the_filtered_list(app, client, login, csrf, people):
    """Tagging a filtered list tags everyone it shows and nobody else, once, and is audited."""
    login("staff@example.org")
    token = csrf("/organize/local-1/supporters")
    response = client.post(
        "/organize/local-1/supporters/tag?postcode=946",
        data={"name": "Oakland", "csrf_token": token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Tagged 2 more people" in html, html[html.find("flash") :][:300]
    # Again, wider: only the newcomers are added.
    response = client.post(
        "/organize/local-1/supporters/tag",
        data={"name": "oakland", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Tagged 2 more people" in response.get_data(as_text=True)
    with app.app_context():
        from campaigns.models import AuditEvent

        assert db.session.scalar(select(db.func.count()).select_from(Tagging)) == 4
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "supporters_tagged")
        ).all()
        assert [e.details["filters"] for e in events] == [{"postcode": "946"}, {}]
