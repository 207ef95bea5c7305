import re

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import OutboxEmail, Role
from tests.factories import (
    PASSWORD,
    make_campaign,
    make_organization,
    make_partner,
    make_petition,
    make_user,
)

pytestmark = pytest.mark.browser


def test_a_supporter_joins_a_partners_list_from_a_phone(app, live_server, page, run_jobs):
    """A supporter ticks a co-sponsor's box on a phone, confirms from the email, and the
    partner's staff then find them in their own list."""
    with app.app_context():
        host = make_organization(name="Warehouse Workers Local 7", slug="local-7")
        food = make_organization(name="Fair Food Coalition", slug="fair-food")
        make_user(food, Role.staff, email="staff@fairfood.example")
        campaign = make_campaign(host, title="Heat safety at Acme")
        slug = make_petition(campaign).slug
        make_partner(campaign, food)
    page.goto(f"{live_server}/a/{slug}")
    page.get_by_label("First name", exact=True).fill("Lucía")
    page.get_by_label("Last name", exact=True).fill("Hernández")
    page.get_by_label("Email", exact=True).fill("lucia@example.org")
    page.get_by_label("ZIP or postcode").fill("94612")
    box = page.get_by_label("Also join Fair Food Coalition's list")
    assert not box.is_checked()
    box.scroll_into_view_if_needed()
    assert box.is_visible()
    # The sentence beside the boxes says whose list is whose.
    assert "Warehouse Workers Local 7 runs this campaign" in page.locator(".partners").inner_text()
    box.check()
    page.get_by_role("button", name="Sign").click()
    page.wait_for_url(f"**/a/{slug}/thanks?signed=new")

    run_jobs(["mail"])  # the confirmation email, into the outbox
    with app.app_context():
        body = db.session.scalars(select(OutboxEmail.text_body)).one()
    link = re.search(r"https?://\S+/confirm/\S+", body).group(0)
    page.goto(link)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()
    run_jobs()  # the sharing job

    page.goto(f"{live_server}/organize/login")
    page.get_by_label("Email").fill("staff@fairfood.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organize/fair-food/")
    page.get_by_role("link", name="Supporters").click()
    assert "lucia@example.org" in page.locator("main").inner_text()
    page.get_by_role("link", name="Co-sponsored").click()
    assert "Heat safety at Acme" in page.locator("main").inner_text()
