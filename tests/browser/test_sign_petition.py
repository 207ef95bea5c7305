import re

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import OutboxEmail
from tests.factories import make_petition

pytestmark = pytest.mark.browser


def test_supporter_signs_from_a_phone(app, live_server, page, run_jobs):
    """A supporter opens the petition, signs, sees the thank-you page; the count went up."""
    with app.app_context():
        slug = make_petition(goal=10).slug
    page.goto(f"{live_server}/a/{slug}")
    assert page.locator("[data-count]").inner_text() == "0"

    page.get_by_label("First name", exact=True).fill("Lucía")
    page.get_by_label("Last name", exact=True).fill("Hernández")
    page.get_by_label("Email", exact=True).fill("lucia@example.org")
    page.get_by_label("ZIP or postcode").fill("94612")
    page.get_by_label("Show my first name").check()
    page.get_by_role("button", name="Sign").click()

    page.wait_for_url(f"**/a/{slug}/thanks?signed=new")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for signing!"
    # The share link copies with one tap, and the page says so.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert "source=share-copy" in page.evaluate("navigator.clipboard.readText()")
    run_jobs(["counts"])  # the tally job a worker runs moments after the signature
    page.get_by_role("link", name="Back to the petition").click()
    page.wait_for_url(f"**/a/{slug}")
    assert page.locator("[data-count]").inner_text() == "1"
    # Her name is public only once her address answered the confirmation email.
    assert page.locator(".recent").count() == 0

    run_jobs(["mail"])
    with app.app_context():
        body = db.session.scalars(select(OutboxEmail.text_body)).one()
    page.goto(re.search(r"https?://\S+/confirm/\S+", body).group(0))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/a/{slug}")
    assert "Lucía H." in page.locator(".recent").inner_text()


def test_errors_are_announced_next_to_their_fields(app, live_server, page):
    """A form sent with a bad email comes back with the message tied to the field."""
    with app.app_context():
        slug = make_petition().slug
    page.goto(f"{live_server}/a/{slug}")
    page.get_by_label("First name", exact=True).fill("Lucía")
    page.get_by_label("Last name", exact=True).fill("Hernández")
    page.get_by_label("Email", exact=True).fill("lucia@")
    page.get_by_label("ZIP or postcode").fill("94612")
    page.get_by_role("button", name="Sign").click()
    email = page.get_by_label("Email", exact=True)
    assert email.get_attribute("aria-invalid") == "true"
    described = email.get_attribute("aria-describedby")
    assert "valid email address" in page.locator(f"#{described}").inner_text()
    # Nothing the supporter typed is lost.
    assert page.get_by_label("First name", exact=True).input_value() == "Lucía"
    # The summary has the focus, and its link leads to the field.
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary a", has_text="Email").click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_spanish_switch(app, live_server, page):
    """The visible language switch shows the petition and form in Spanish."""
    with app.app_context():
        slug = make_petition(title_es="Salario justo ya").slug
    page.goto(f"{live_server}/a/{slug}")
    page.get_by_role("link", name="Español").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Salario justo ya"
    assert page.locator("html").get_attribute("lang") == "es"
