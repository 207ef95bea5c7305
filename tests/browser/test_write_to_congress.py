import re

import pytest
from sqlalchemy import select

from campaigns.congress import office_lists
from campaigns.extensions import db
from campaigns.models import Call, LetterSettings, Message, MessageStatus, OutboxEmail
from tests.factories import make_congress_letter

pytestmark = pytest.mark.browser


def test_a_vermonter_writes_to_congress_from_a_phone(cwc_app, cwc, live_server, page, run_jobs):
    """ZIP, the offices and how each is reached, the address CWC needs, confirm from the
    outbox: the House and Senate offices each receive one document, and the office CWC
    cannot reach is called instead."""
    app = cwc_app
    with app.app_context():
        office_lists.refresh_configured()  # SVT03 (Welch) is not on the Senate's list
        action = make_congress_letter(requires_confirmation=True)
        db.session.get(LetterSettings, action.id).call_script = "Ask them to fund the NLRB."
        db.session.commit()
        slug = action.slug

    page.goto(f"{live_server}/a/{slug}")
    page.get_by_label("Your ZIP code, to find who represents you").fill("05401")
    page.get_by_role("button", name="Find").click()
    recipients = page.locator(".recipients").inner_text()
    assert "Becca Balint" in recipients and "House's constituent mail system" in recipients
    assert "Bernard Sanders" in recipients and "Senate's constituent mail system" in recipients
    calls = page.locator(".call-targets")
    call_text = calls.inner_text()
    assert "Peter Welch" in call_text and "Ask them to fund the NLRB." in call_text
    assert calls.get_by_role("link", name="Call 202-224-4242").get_attribute("href") == (
        "tel:202-224-4242"
    )
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("First name", exact=True).fill("Ana")
    page.get_by_label("Last name", exact=True).fill("Ruiz")
    page.get_by_label("Email", exact=True).fill("ana@example.org")
    page.get_by_role("button", name="Send my letter").click()
    # The address is asked for, each missing part named beside its field.
    street = page.get_by_label("Street address")
    assert street.get_attribute("aria-invalid") == "true"
    assert "Please enter your street address" in page.locator("#address1-error").inner_text()
    page.get_by_label("How should the office address you?").select_option("Ms.")
    street.fill("12 Church St")
    page.get_by_label("City", exact=True).fill("Burlington")
    page.get_by_label("State").select_option("VT")
    page.get_by_label("Phone (optional)").fill("802 555 0199")
    assert page.get_by_label("Email", exact=True).input_value() == "ana@example.org"
    page.get_by_role("button", name="Send my letter").click()
    page.wait_for_url(f"**/a/{slug}/thanks?signed=new")

    run_jobs(["mail"])  # the confirmation email, to the outbox
    assert cwc.deliveries() == []  # nothing goes before she confirms
    with app.app_context():
        body = db.session.scalars(select(OutboxEmail.text_body)).one()
    page.goto(re.search(r"https?://\S+/confirm/\S+", body).group(0))
    page.get_by_role("button", name="Yes, send my letter").click()
    page.wait_for_load_state()
    run_jobs(["mail"])
    assert sorted(r.office for r in cwc.deliveries()) == ["HVT00", "SVT01"]
    with app.app_context():
        assert {m.status for m in db.session.scalars(select(Message))} == {MessageStatus.delivered}

    # And the office CWC cannot reach: she calls, and says so.
    page.goto(f"{live_server}/a/{slug}?postcode=05401")
    page.locator(".call-targets").get_by_role("button", name="I called").click()
    assert "Thank you for calling!" in page.locator(".call-targets").inner_text()
    with app.app_context():
        assert db.session.scalar(select(Call.target_id).limit(1)) is not None


def test_without_keys_the_page_explains_in_spanish(app, live_server, browser):
    with app.app_context():
        slug = make_congress_letter().slug
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/lang/es?next=/a/{slug}%3Fpostcode%3D05401")
        text = page.locator(".call-targets").inner_text()
        assert "Becca Balint" in text and "Bernard Sanders" in text
        assert "Ya llamé" in text and "todavía no está preparado" in text
        assert page.locator(".recipients").count() == 0
    finally:
        context.close()
