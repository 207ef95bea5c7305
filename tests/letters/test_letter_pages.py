import re

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, LetterSettings, Message, MessageStatus, Role
from tests.conftest import csrf_from
from tests.factories import (
    make_campaign,
    make_council_letter,
    make_letter,
    make_organization,
    make_user,
    signer_form,
)
from tests.letters.conftest import sent_message_ids
from tests.support.sendgrid_server import Reply


@pytest.fixture
def organizer(app, login):
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        campaign_id = make_campaign(org).id
        make_user(org, Role.organizer, email="org@example.org")
    login("org@example.org")
    return f"/organize/local-42/campaigns/{campaign_id}"


def test_organizer_writes_a_letter_action(app, client, csrf, organizer):
    """An organizer sets targets, a fallback and the letter in two languages."""
    url = f"{organizer}/letters/new"
    resp = client.post(
        url,
        data={
            "targets": "Pat Boss, CEO, ceo@acme.example\nLee Chief, lee@acme.example",
            "fallback_name": "Campaign desk",
            "fallback_email": "desk@union.example",
            "title_en": "Email the CEO",
            "subject_en": "Bargain, {target_name}",
            "body_en": "Dear {target_name}, bargain.",
            "title_es": "Escribe al director",
            "subject_es": "Negocie, {target_name}",
            "body_es": "Estimado {target_name}, negocie.",
            "requires_confirmation": "y",
            "csrf_token": csrf(url),
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        letter = db.session.scalars(select(Action)).one()
        assert letter.slug == "email-the-ceo"
        settings = db.session.get(LetterSettings, letter.id)
        assert not settings.editable  # unticked
        assert settings.fallback_target.email == "desk@union.example"
    page = client.get("/a/email-the-ceo").get_data(as_text=True)
    assert "Pat Boss, CEO" in page and "Lee Chief" in page
    assert "Bargain, {target_name}" in page


def test_bad_target_lines_are_reported_by_line(app, client, csrf, organizer):
    """A target list with a bad line is refused, naming the line; nothing is saved."""
    url = f"{organizer}/letters/new"
    resp = client.post(
        url,
        data={
            "targets": "Pat Boss, CEO, ceo@acme.example\nJust a name\nLee, COO, not-an-email",
            "title_en": "Email the CEO",
            "subject_en": "S",
            "body_en": "B",
            "csrf_token": csrf(url),
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "line 2: write it as Name, Title, email" in html
    assert "line 3: not-an-email is not a valid address" in html
    with app.app_context():
        assert db.session.scalars(select(Action)).all() == []


@pytest.mark.both_databases
def test_supporter_sends_confirms_and_organizer_sees_delivery(
    sendgrid_app, sendgrid, client, csrf, login, run_jobs
):
    """Write, confirm from the email, and the delivery page adds up per target."""
    app = sendgrid_app
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        slug = make_letter(
            make_campaign(org),
            targets=[
                ("Pat Boss", "CEO", "ceo@acme.example"),
                ("Lee Chief", "COO", "coo@acme.example"),
            ],
            requires_confirmation=True,
        ).slug
    data = {
        **signer_form(first_name="Ana", last_name="Ruiz", email="ana@example.org"),
        "subject": "Please bargain, {target_name}",
        "body": "Dear {target_name},\nI work at your warehouse.\n{supporter_name}",
        "csrf_token": csrf(f"/a/{slug}"),
    }
    resp = client.post(f"/a/{slug}", data=data)
    assert resp.status_code == 302
    assert "confirm, and your letter will be sent" in client.get(resp.headers["Location"]).get_data(
        as_text=True
    )
    run_jobs()
    [confirmation] = [
        r for r in sendgrid.mail_sends() if "submission_id" in r.body.get("custom_args", {})
    ]
    assert confirmation.body["subject"].startswith("Confirm to send your letter")
    link = re.search(
        r"http://campaigns\.test(/a/\S+/confirm/\S+)", confirmation.body["content"][0]["value"]
    ).group(1)
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    run_jobs()
    with app.app_context():
        letters = list(db.session.scalars(select(Message)))
        assert {m.status for m in letters} == {MessageStatus.sent}
        assert {m.subject for m in letters} == {
            "Please bargain, Pat Boss",
            "Please bargain, Lee Chief",
        }
        action_id = letters[0].action_id
    assert len(sent_message_ids(sendgrid)) == 2

    login("org@example.org")
    html = client.get(f"/organize/local-42/actions/{action_id}/delivery").get_data(as_text=True)
    totals = re.search(r'data-target="all">(.*?)</tr>', html, re.S).group(1)
    assert '<td data-status="sent">2</td>' in totals
    assert '<td data-status="total">2</td>' in totals


def test_delivery_page_lists_failures_and_retries_them(
    sendgrid_app, sendgrid, client, csrf, login, run_jobs
):
    """A failed letter is listed with its reason; the retry button sends it again."""
    app = sendgrid_app
    with app.app_context():
        org = make_organization(slug="local-42")
        make_user(org, Role.organizer, email="org@example.org")
        action = make_letter(make_campaign(org), targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        action_id = action.id
        from campaigns.letters.compose import send_letter
        from campaigns.submissions.signing import Signer

        send_letter(action, Signer("Ana", "Ruiz", "ana@example.org"))
        from campaigns.letters.tasks import deliver_messages

        sendgrid.replies.append(Reply(400, body={"errors": [{"message": "mailbox full"}]}))
        deliver_messages(list(db.session.scalars(select(Message.id))))
    login("org@example.org")
    url = f"/organize/local-42/actions/{action_id}/delivery"
    html = client.get(url).get_data(as_text=True)
    assert "mailbox full" in html
    client.post(f"{url}/retry", data={"csrf_token": csrf(url)})
    run_jobs()
    with app.app_context():
        assert db.session.scalars(select(Message.status)).one() == MessageStatus.sent


def test_letter_form_bad_input(app, client, csrf):
    """An empty letter or a bad email comes back with messages and sends nothing."""
    with app.app_context():
        slug = make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")]).slug
    data = {
        **signer_form(email="ana@"),
        "subject": "",
        "body": "",
        "csrf_token": csrf(f"/a/{slug}"),
    }
    resp = client.post(f"/a/{slug}", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Please give your letter a subject." in html
    assert "Please write your letter." in html
    assert "Please enter a valid email address" in html
    with app.app_context():
        assert db.session.scalars(select(Message)).all() == []


def test_fixed_letter_ignores_edits(app, client, csrf):
    """Where the organizer does not allow edits, the supporter's changes are not sent."""
    with app.app_context():
        slug = make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")], editable=False).slug
    page = client.get(f"/a/{slug}").get_data(as_text=True)
    assert "Bargain in good faith, {target_name}" in page
    data = {
        **signer_form(),
        "subject": "Rude words",
        "body": "Rude words",
        "csrf_token": csrf_from(page),
    }
    client.post(f"/a/{slug}", data=data)
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.subject == "Bargain in good faith, Pat Boss"


def test_other_organizations_cannot_see_delivery(app, client, login):
    """Delivery pages are as private as the rest of an organization."""
    with app.app_context():
        theirs = make_letter(make_campaign(make_organization()), targets=[]).id
        make_user(make_organization(slug="mine"), Role.owner, email="me@example.org")
    login("me@example.org")
    assert client.get(f"/organize/mine/actions/{theirs}/delivery").status_code == 404


def make_council(app, write_to_all=False) -> str:
    with app.app_context():
        return make_council_letter(write_to_all=write_to_all).slug


def test_zip_lookup_shows_representatives_before_writing(app, client):
    """Entering a ZIP shows each district it lies in and who represents it."""
    slug = make_council(app)
    html = client.get(f"/a/{slug}?postcode=94610").get_data(as_text=True)
    assert "District OAK-2" in html and "Tom Ward-Two" in html
    assert "Rosa Ward-One" not in html
    assert "Your letter will go to:" in html
    assert "does not look like a ZIP code" in client.get(f"/a/{slug}?postcode=9!").get_data(
        as_text=True
    )


def test_zip_in_two_districts_asks_the_supporter_to_choose(app, client, csrf):
    """A ZIP spanning two wards asks which is yours, then writes only to that ward."""
    slug = make_council(app)
    data = {**signer_form(postcode="94612"), "subject": "Hi {target_name}", "body": "Fund parks."}
    resp = client.post(f"/a/{slug}", data={**data, "csrf_token": csrf(f"/a/{slug}")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "choose yours" in html
    assert 'name="district" value="OAK-1"' in html and 'value="OAK-2"' in html
    with app.app_context():
        assert db.session.scalars(select(Message)).all() == []

    resp = client.post(
        f"/a/{slug}", data={**data, "district": "OAK-1", "csrf_token": csrf(f"/a/{slug}")}
    )
    assert resp.status_code == 302
    with app.app_context():
        assert [m.to_name for m in db.session.scalars(select(Message))] == ["Rosa Ward-One"]


def test_write_to_all_districts(app, client, csrf):
    """Where the organizer chose so, a ZIP spanning two wards writes to both."""
    slug = make_council(app, write_to_all=True)
    data = {**signer_form(postcode="94612"), "subject": "Hi", "body": "Fund parks."}
    client.post(f"/a/{slug}", data={**data, "csrf_token": csrf(f"/a/{slug}")})
    with app.app_context():
        names = sorted(m.to_name for m in db.session.scalars(select(Message)))
        assert names == ["Rosa Ward-One", "Tom Ward-Two"]


def test_unknown_zip_says_so(app, client):
    """A ZIP with no district in the directory is told plainly."""
    slug = make_council(app)
    html = client.get(f"/a/{slug}?postcode=10001").get_data(as_text=True)
    assert "We have no district for that ZIP code." in html


def test_targets_uploaded_as_csv(app, client, csrf, organizer):
    """Fixed targets can come from a CSV; a bad row is named by line and column."""
    import io

    url = f"{organizer}/letters/new"
    base = {"title_en": "Email the board", "subject_en": "S", "body_en": "B"}
    bad = "name,title,email\nPat Boss,CEO,ceo@acme.example\nLee,COO,nope\n"
    resp = client.post(
        url,
        data={**base, "targets_file": (io.BytesIO(bad.encode()), "t.csv"), "csrf_token": csrf(url)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "line 3, column email: nope is not valid" in resp.get_data(as_text=True)

    good = "Name,Email,Title\nPat Boss,ceo@acme.example,CEO\nLee Chief,coo@acme.example,COO\n"
    resp = client.post(
        url,
        data={
            **base,
            "targets_file": (io.BytesIO(good.encode()), "t.csv"),
            "csrf_token": csrf(url),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    page = client.get("/a/email-the-board").get_data(as_text=True)
    assert "Pat Boss, CEO" in page and "Lee Chief, COO" in page
