"""The letter page of a letter to Congress: channels, the postal address, "I called"."""

from sqlalchemy import func, select

from campaigns.congress import office_lists
from campaigns.extensions import db
from campaigns.models import Call, ConstituentAddress, LetterSettings, Message, Target
from tests.factories import from_new_address, make_congress_letter, signer_form


def congress_letter(app, call_script="Ask them to fund the NLRB.") -> str:
    with app.app_context():
        action = make_congress_letter()
        db.session.get(LetterSettings, action.id).call_script = call_script
        db.session.commit()
        return action.slug


def letter_form(csrf, slug, **overrides) -> dict:
    return {
        **signer_form(first_name="Ana", last_name="Ruiz", email="ana@example.org"),
        "postcode": "05401",
        "subject": "Protect the right to organize",
        "body": "Dear {target_name},\nplease protect it.\n{supporter_name}",
        "csrf_token": csrf(f"/a/{slug}"),
        **overrides,
    }


def test_without_keys_the_page_says_why_and_offers_the_phone(app, client, csrf):
    slug = congress_letter(app)
    page = client.get(f"/a/{slug}?postcode=05401").get_data(as_text=True)
    assert "not set up to deliver to Congress yet" in page
    assert 'href="tel:202-224-5141"' in page  # Sanders' office
    assert "Ask them to fund the NLRB." in page
    assert "I called" in page
    assert "Street address" not in page  # no address is asked when nothing goes by CWC
    assert "Send my letter" not in page  # nor a letter written for nobody

    with app.app_context():
        sanders = db.session.scalars(select(Target).where(Target.name == "Bernard Sanders")).one()
        stranger = Target(organization_id=sanders.organization_id, name="Someone else")
        db.session.add(stranger)
        db.session.commit()
        sanders_id, stranger_id = sanders.id, stranger.id
    token = csrf(f"/a/{slug}")
    called = client.post(
        f"/a/{slug}/called",
        data={"csrf_token": token, "target": sanders_id, "postcode": "05401"},
        **from_new_address(),
    )
    assert called.status_code == 302 and f"called={sanders_id}" in called.headers["Location"]
    assert "Thank you for calling!" in client.get(called.headers["Location"]).get_data(as_text=True)
    # A target of no letter of this action, or a missing token, is refused and not counted.
    assert (
        client.post(
            f"/a/{slug}/called", data={"csrf_token": token, "target": stranger_id}
        ).status_code
        == 400
    )
    assert client.post(f"/a/{slug}/called", data={"target": sanders_id}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Call.target_id)).all() == [sanders_id]


def test_with_keys_the_page_names_each_channel_and_asks_the_address(cwc_app, client, csrf):
    office_lists.refresh_configured()
    slug = congress_letter(cwc_app)
    page = client.get(f"/a/{slug}?postcode=05401").get_data(as_text=True)
    assert "through the House's constituent mail system" in page
    assert "through the Senate's constituent mail system" in page
    # Welch's office is not on the Senate's list: shown with its phone, not written to.
    assert "does not take letters through Congress" in page
    assert 'autocomplete="address-line1"' in page and "How should the office address you?" in page

    missing = client.post(f"/a/{slug}", data=letter_form(csrf, slug))
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Please enter your street address" in html and "Please choose your state." in html

    wrong_state = letter_form(
        csrf, slug, prefix="Ms.", address1="1 Main St", city="Reno", state="NV"
    )
    html = client.post(f"/a/{slug}", data=wrong_state).get_data(as_text=True)
    assert "Your address is in NV, but your ZIP code is in VT" in html

    good = letter_form(
        csrf,
        slug,
        prefix="Ms.",
        address1="12 Church St",
        city="Burlington",
        state="VT",
        phone="802 555 0199",
    )
    sent = client.post(f"/a/{slug}", data=good, **from_new_address())
    assert sent.status_code == 302
    with cwc_app.app_context():
        channels = sorted(db.session.scalars(select(Message.channel)))
        assert channels == ["cwc_house", "cwc_senate"]
        address = db.session.scalars(select(ConstituentAddress)).one()
        assert (address.address1, address.phone) == ("12 Church St", "802-555-0199")
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0
