import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Message, MessageStatus
from tests.factories import make_letter

pytestmark = pytest.mark.browser


def test_supporter_writes_to_the_targets(app, live_server, page):
    """A supporter sees who receives the letter, edits it, sends it, and is told to confirm."""
    with app.app_context():
        slug = make_letter(
            targets=[("Pat Boss", "CEO", "ceo@acme.example")], requires_confirmation=True
        ).slug
    page.goto(f"{live_server}/a/{slug}")
    assert "Pat Boss, CEO" in page.locator(".recipients").inner_text()
    page.get_by_label("First name", exact=True).fill("Ana")
    page.get_by_label("Last name", exact=True).fill("Ruiz")
    page.get_by_label("Email", exact=True).fill("ana@example.org")
    page.get_by_label("ZIP or postcode").fill("93721")
    letter = page.get_by_role("textbox", name="Your letter")
    letter.fill(letter.input_value() + "\nI have worked nights for six years.")
    page.get_by_role("button", name="Send my letter").click()

    page.wait_for_url(f"**/a/{slug}/thanks?signed=new")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for writing!"
    assert "confirm" in page.locator("main").inner_text()
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.status == MessageStatus.held
        assert message.body.endswith("I have worked nights for six years.")


def test_supporter_finds_their_representative_by_zip_and_writes(app, live_server, page):
    """A supporter types a ZIP, sees who represents them, picks their ward and sends."""
    from tests.factories import make_council_letter

    with app.app_context():
        slug = make_council_letter().slug
    page.goto(f"{live_server}/a/{slug}")
    page.get_by_label("Your ZIP code, to find who represents you").fill("94612")
    page.get_by_role("button", name="Find").click()
    assert "Rosa Ward-One" in page.locator(".districts").inner_text()
    assert "Tom Ward-Two" in page.locator(".districts").inner_text()

    page.get_by_label("First name", exact=True).fill("Ana")
    page.get_by_label("Last name", exact=True).fill("Ruiz")
    page.get_by_label("Email", exact=True).fill("ana@example.org")
    page.get_by_role("button", name="Send my letter").click()
    # The ZIP spans two wards: the page asks which is hers, keeping what she typed.
    page.get_by_label("District OAK-2").check()
    assert page.get_by_label("Email", exact=True).input_value() == "ana@example.org"
    page.get_by_role("button", name="Send my letter").click()

    page.wait_for_url(f"**/a/{slug}/thanks?signed=new")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for writing!"
    with app.app_context():
        assert [m.to_name for m in db.session.scalars(select(Message))] == ["Tom Ward-Two"]
