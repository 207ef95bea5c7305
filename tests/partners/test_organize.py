"""The host's Partners page: adding, editing and removing partners, their figures and
links; and who may open each partner page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import AuditEvent, CampaignPartner, Role, SharingMode
from tests.conftest import CSRF_INPUT, VALUE, csrf_from
from tests.factories import make_user
from tests.partners.conftest import confirm, sign_form

PAGE = "/organize/local-7/campaigns/{id}/partners"


def partners_url(coalition) -> str:
    return PAGE.format(id=coalition.campaign_id)


def add(client, csrf, coalition, **fields):
    url = partners_url(coalition)
    data = {"organization": "", "sharing": "all", "cap": "", "source": ""} | fields
    return client.post(url, data=data | {"csrf_token": csrf(url)})


@pytest.fixture
def newcomer(app):
    from tests.factories import make_organization

    with app.app_context():
        tenants = make_organization(name="Tenants Together", slug="tenants")
        make_user(tenants, Role.owner, email="tenants@example.org")
        make_user(tenants, Role.viewer, email="viewer@tenants.example")
        return tenants.id


COSPONSORED = "/organize/tenants/co-sponsored"


def member(app, email: str):
    """A browser of its own, logged in as `email`."""
    browser = app.test_client()
    token = csrf_from(browser.get("/organize/login").get_data(as_text=True))
    data = {"email": email, "password": "correct horse battery", "csrf_token": token}
    assert browser.post("/organize/login", data=data).status_code == 302
    return browser


def answer(browser, partner_id: int, verb: str, page: str = COSPONSORED):
    """A member answers on a Co-sponsored page, with their session's token (read from a
    page every member may open, since a stranger's 404 page holds none)."""
    home = browser.get("/organize/account").get_data(as_text=True)
    found = CSRF_INPUT.search(home)
    token = VALUE.search(found.group(0)).group(1) if found else ""
    return browser.post(f"{page}/{partner_id}/{verb}", data={"csrf_token": token})


def partner_id_of(app, organization_id: int) -> int:
    with app.app_context():
        return db.session.scalars(
            select(CampaignPartner.id).where(CampaignPartner.organization_id == organization_id)
        ).one()


def test_the_host_adds_a_partner_by_its_slug(app, client, login, csrf, coalition, newcomer):
    """Added with proportional sharing and a cap; its source defaults to its slug; audited."""
    login("host@example.org")
    resp = add(client, csrf, coalition, organization=" Tenants ", sharing="proportional", cap="50")
    assert resp.status_code == 302
    with app.app_context():
        partner = db.session.scalars(
            select(CampaignPartner).where(CampaignPartner.organization_id == newcomer)
        ).one()
        assert (partner.sharing, partner.cap, partner.source) == (
            SharingMode.proportional,
            50,
            "tenants",
        )
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "partner_added"))
        assert event.one().details["partner"] == "tenants"
    html = client.get(partners_url(coalition)).get_data(as_text=True)
    assert "Tenants Together" in html and "/a/heat-safety?source=tenants" in html
    assert 'data-state="waiting"' in html


def test_a_partner_is_on_no_form_until_it_accepts(app, client, login, csrf, coalition, newcomer):
    """Adding names nobody on a public form: the partner's own member accepts first (and it
    is audited in the partner's log); from then on the form offers its box."""
    login("host@example.org")
    assert add(client, csrf, coalition, organization="tenants").status_code == 302
    page = "/a/heat-safety?source=tenants"
    assert "Also join Tenants Together" not in client.get(page).get_data(as_text=True)
    partner_id = partner_id_of(app, newcomer)

    tenants = member(app, "tenants@example.org")
    asked = tenants.get(COSPONSORED).get_data(as_text=True)
    assert 'data-state="asked"' in asked and "Heat safety at Acme" in asked
    assert answer(tenants, partner_id, "accept").status_code == 302
    assert 'data-state="asked"' not in tenants.get(COSPONSORED).get_data(as_text=True)
    assert "Also join Tenants Together" in client.get(page).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "partner_accepted")
        ).one()
        assert event.organization_id == newcomer


def test_a_partner_declines_or_leaves_and_its_box_goes(
    app, client, login, csrf, coalition, newcomer
):
    login("host@example.org")
    add(client, csrf, coalition, organization="tenants")
    partner_id = partner_id_of(app, newcomer)
    tenants = member(app, "tenants@example.org")
    answer(tenants, partner_id, "accept")
    assert "Also join Tenants Together" in client.get("/a/heat-safety").get_data(as_text=True)
    assert answer(tenants, partner_id, "decline").status_code == 302
    assert "Also join Tenants Together" not in client.get("/a/heat-safety").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CampaignPartner, partner_id) is None
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "partner_declined" in kinds


def test_only_the_partners_own_editors_answer(app, client, login, csrf, coalition, newcomer):
    """A viewer of the partner may not answer (403); another organization, the host
    included, gets 404 for the partnership under its own address or the partner's."""
    login("host@example.org")
    add(client, csrf, coalition, organization="tenants")
    partner_id = partner_id_of(app, newcomer)
    host = member(app, "host@example.org")
    for verb in ("accept", "decline"):
        # The host, as a stranger to Tenants Together's pages, and under its own address.
        assert answer(host, partner_id, verb).status_code == 404
        own = "/organize/local-7/co-sponsored"
        assert answer(host, partner_id, verb, page=own).status_code == 404
    viewer = member(app, "viewer@tenants.example")
    assert "Accept</button>" not in viewer.get(COSPONSORED).get_data(as_text=True)
    assert answer(viewer, partner_id, "accept").status_code == 403
    with app.app_context():
        assert db.session.get(CampaignPartner, partner_id).accepted_at is None


def test_a_campaign_without_partners_offers_one_as_soon_as_it_is_added(
    app, client, login, csrf, coalition, newcomer
):
    """The process's cached reference said "no partners"; accepting clears it at once."""
    from campaigns.models import Organization
    from tests.factories import make_campaign, make_petition

    with app.app_context():
        host = db.session.get(Organization, coalition.host_id)
        campaign = make_campaign(host)
        campaign_id, slug = campaign.id, make_petition(campaign).slug
    assert 'name="partners"' not in client.get(f"/a/{slug}").get_data(as_text=True)
    login("host@example.org")
    url = PAGE.format(id=campaign_id)
    data = {"organization": "tenants", "sharing": "all", "csrf_token": csrf(url)}
    assert client.post(url, data=data).status_code == 302
    tenants = member(app, "tenants@example.org")
    assert answer(tenants, partner_id_of(app, newcomer), "accept").status_code == 302
    assert "Also join Tenants Together" in client.get(f"/a/{slug}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("slug", "source", "message"),
    [
        ("nobody-here", "", "No organization has that web address"),
        ("local-7", "", "A campaign&#39;s own organization cannot be its partner."),
        ("fair-food", "", "already a partner"),
        ("tenants", "riders", "Another partner of this campaign uses that source code."),
        ("tenants", "Bad code!", "Use lower-case letters"),
    ],
)
def test_adding_a_partner_explains_what_is_wrong(
    app, client, login, csrf, coalition, newcomer, slug, source, message
):
    """Unknown, itself, a partner already, or a source code taken: a clear form error."""
    login("host@example.org")
    resp = add(client, csrf, coalition, organization=slug, source=source)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CampaignPartner)) == 2


def test_the_host_edits_and_removes_a_partner(app, client, login, csrf, coalition):
    """Editing changes the sharing and cap; removing takes the partner's box off the form."""
    login("host@example.org")
    with app.app_context():
        food = db.session.scalars(
            select(CampaignPartner).where(CampaignPartner.organization_id == coalition.food_id)
        ).one()
        food_id = food.id
    edit = f"{partners_url(coalition)}/{food_id}/edit"
    assert re.search(r'<input checked[^>]*value="all"', client.get(edit).get_data(as_text=True))
    data = {"sharing": "proportional", "cap": "10", "source": "food", "csrf_token": csrf(edit)}
    assert client.post(edit, data=data).status_code == 302
    with app.app_context():
        food = db.session.get(CampaignPartner, food_id)
        assert (food.sharing, food.cap, food.source) == (SharingMode.proportional, 10, "food")
    assert "Also join Fair Food" not in client.get("/a/heat-safety").get_data(as_text=True)
    assert "Also join Fair Food" in client.get("/a/heat-safety?source=food").get_data(as_text=True)
    remove = f"{partners_url(coalition)}/{food_id}/remove"
    assert client.post(remove, data={"csrf_token": csrf(edit)}).status_code == 302
    assert "Also join Fair Food" not in client.get("/a/heat-safety?source=food").get_data(
        as_text=True
    )
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
        assert kinds[-2:] == ["partner_changed", "partner_removed"]


def test_the_partners_page_shows_each_partners_counts(app, client, login, coalition, run_jobs):
    """Per partner: opt-ins, shared, waiting for confirmation, and what its source brought."""
    sign_form(client, "heat-safety", partners=[coalition.food_id], email="a@example.org")
    sign_form(
        client,
        "heat-safety",
        source="riders",
        partners=[coalition.food_id, coalition.riders_id],
        email="b@example.org",
    )
    confirm(client, app, "a@example.org")
    run_jobs()
    login("host@example.org")
    html = client.get(partners_url(coalition)).get_data(as_text=True)
    food, riders = html.split('data-partner="fair-food"')[1].split('data-partner="riders-union"')
    assert 'data-stat="opt_ins">2<' in food and 'data-stat="shared">1<' in food
    assert 'data-stat="pending">1<' in food and 'data-stat="brought">0<' in food
    assert 'data-stat="opt_ins">1<' in riders and 'data-stat="shared">0<' in riders
    assert 'data-stat="brought">1<' in riders


ROLES = [Role.owner, Role.organizer, Role.staff, Role.viewer]
# (endpoint, method, url template, expected status per role: owner, organizer, staff, viewer)
MATRIX = [
    ("organize.campaign_partners", "GET", PAGE, (200, 200, 200, 200)),
    # An empty form: allowed roles get it back with its errors.
    ("organize.add_partner", "POST", PAGE, (422, 422, 403, 403)),
    ("organize.edit_partner", "GET", PAGE + "/{partner}/edit", (200, 200, 403, 403)),
    ("organize.edit_partner", "POST", PAGE + "/{partner}/edit", (422, 422, 403, 403)),
    ("organize.remove_partner", "POST", PAGE + "/{partner}/remove", (302, 302, 403, 403)),
    ("organize.co_sponsored", "GET", "/organize/local-7/co-sponsored", (200, 200, 200, 200)),
    # The host's own members, under its own address: not a partnership of theirs.
    (
        "organize.accept_partnership",
        "POST",
        "/organize/local-7/co-sponsored/{partner}/accept",
        (404, 404, 403, 403),
    ),
    (
        "organize.decline_partnership",
        "POST",
        "/organize/local-7/co-sponsored/{partner}/decline",
        (404, 404, 403, 403),
    ),
]


def test_the_matrix_covers_every_route_of_the_feature(app):
    """A new partner page cannot be added without deciding here who may open it."""
    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].__module__ == "campaigns.organize.partner_routes"
    }
    assert routed == {endpoint for endpoint, *_ in MATRIX}


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_gets_what_it_may(app, client, login, coalition, role):
    """Owners and organizers manage partners; staff and viewers see the figures only (the
    removal comes after the pages that need the partner)."""
    from campaigns.models import Organization

    with app.app_context():
        host = db.session.get(Organization, coalition.host_id)
        make_user(host, role, email=f"{role.value}@local-7.example")
        partner_id = db.session.scalars(select(CampaignPartner.id)).first()
    login(f"{role.value}@local-7.example")
    token = _token(client)
    for endpoint, method, template, expected in MATRIX:
        url = template.format(id=coalition.campaign_id, partner=partner_id)
        if method == "GET":
            response = client.get(url)
        else:
            data = {"sharing": "nonsense", "csrf_token": token}
            response = client.post(url, data=data)
        assert response.status_code == expected[ROLES.index(role)], (endpoint, method)


def test_members_of_a_partner_get_404_on_the_hosts_partner_pages(app, client, login, coalition):
    """A partner's owner learns nothing of the host's pages, including its Partners page."""
    with app.app_context():
        partner_id = db.session.scalars(select(CampaignPartner.id)).first()
    login("food@example.org")
    token = _token(client)
    for _, method, template, _ in MATRIX[:5]:
        url = template.format(id=coalition.campaign_id, partner=partner_id)
        response = (
            client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        )
        assert response.status_code == 404, url
    # And under its own organization's address, the host's campaign is unknown.
    own = f"/organize/fair-food/campaigns/{coalition.campaign_id}/partners"
    assert client.get(own).status_code == 404


def _token(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/organize/account").get_data(as_text=True))
