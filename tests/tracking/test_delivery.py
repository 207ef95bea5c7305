import base64
import csv
import io
from collections import Counter

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Organization, OutboxEmail, PetitionDelivery, Submission
from campaigns.submissions.confirmation import confirm
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import petition_delivery as delivery
from tests.factories import make_campaign, make_council_letter, make_letter, make_petition

PEOPLE = [
    ("Ana", "Ruiz", "94612", "Oakland", '=HYPERLINK("http://x")'),
    ("Luis", "Pérez", "94612", "Oakland", "Fair pay"),
    ("Mei", "Chen", "94610", "Oakland", ""),
]


def sign_people(petition, people=PEOPLE):
    ids = []
    for n, (first, last, postcode, city, comment) in enumerate(people):
        ids.append(
            sign(
                petition,
                Signer(
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}{n}@example.org",
                    postcode=postcode,
                    city=city,
                    comment=comment,
                ),
            ).submission_id
        )
    return ids


def delivered() -> list[OutboxEmail]:
    """What the outbox holds apart from the signers' own confirmation emails."""
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.to_address.not_like("%@example.org>"))
        .order_by(OutboxEmail.id)
    ).all()


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def petition_id(app, organizer):
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        petition = make_petition(make_campaign(org), requires_confirmation=True)
        ids = sign_people(petition)
        for submission_id in ids[:2]:
            confirm(db.session.get(Submission, submission_id))
        return petition.id


def test_delivery_sends_count_and_only_the_ticked_fields(
    app, client, csrf, organizer, petition_id, run_jobs
):
    """Two targets each get the count and a CSV with first name, city and comment, no emails."""
    url = f"{organizer}/actions/{petition_id}/deliver"
    resp = client.post(
        url,
        data={
            "recipients": "Jo Boss <ceo@acme.example>\nHR, hr@acme.example",
            "fields": ["first_name", "city", "comment"],
            "message": "Our members ask you to meet us.",
            "group_by": "postcode",
            "min_group": "5",
            "csrf_token": csrf(url),
        },
    )
    assert resp.status_code == 302
    run_jobs(["mail"])
    with app.app_context():
        mails = delivered()
        record = db.session.scalars(select(PetitionDelivery)).one()
        assert (record.status, record.signatures, record.sent_at is not None) == ("sent", 2, True)
        assert record.fields == ["first_name", "city", "comment"]
    assert [m.to_address for m in mails] == ["Jo Boss <ceo@acme.example>", "HR <hr@acme.example>"]
    body = mails[0].text_body
    assert "2 people have signed the petition" in body
    assert "Our members ask you to meet us." in body
    [attachment] = mails[0].attachments
    assert attachment["filename"] == "signers.csv"
    # Only confirmed signers count on a petition that requires confirmation.
    assert rows_of(base64.b64decode(attachment["content"])) == [
        ["First name", "City", "Comment"],
        ["Ana", "Oakland", '\'=HYPERLINK("http://x")'],
        ["Luis", "Oakland", "Fair pay"],
    ]
    assert "example.org" not in base64.b64decode(attachment["content"]).decode()
    page = client.get(f"{organizer}/actions/{petition_id}/dashboard").get_data(as_text=True)
    assert "ceo@acme.example, hr@acme.example" in page and "sent" in page


def test_delivery_with_no_field_ticked_attaches_nothing(app, petition_id, run_jobs):
    """Without ticked fields the email carries the count and no file."""
    from campaigns.models import Action

    with app.app_context():
        action = db.session.get(Action, petition_id)
        delivery.request_delivery(
            action, [delivery.Recipient("", "council@city.example")], fields=[]
        )
    run_jobs(["mail"])
    with app.app_context():
        [mail] = delivered()
    assert mail.attachments == []
    assert mail.text_body.startswith("Hello,")
    assert "attached" not in mail.text_body


def test_merge_small_groups_never_leaves_a_small_group():
    """Groups under the minimum go to "other"; a small "other" takes the next smallest group."""
    merged = delivery.merge_small_groups(Counter({"A": 9, "B": 6, "C": 2, "D": 1, "": 1}), 5)
    assert merged == [("A", 9), ("other", 10)]
    assert delivery.merge_small_groups(Counter({"A": 9, "B": 6, "C": 5}), 5) == [
        ("A", 9),
        ("B", 6),
        ("C", 5),
    ]
    # Everyone in small groups: one "other", never a group an employer could pin on someone.
    assert delivery.merge_small_groups(Counter({"A": 2, "B": 1}), 5) == [("other", 3)]
    assert delivery.merge_small_groups(Counter(), 5) == []


def test_protected_delivery_names_nobody(app, run_jobs):
    """An employer gets counts by postcode with small groups merged, and no signer's details."""
    from campaigns.models import Action

    people = [(f"W{n}", "X", "94612", "Oakland", "") for n in range(6)]
    people += [(f"V{n}", "Y", "94610", "Oakland", "") for n in range(2)]
    people += [("Solo", "Z", "10001", "New York", "I am alone here")]
    with app.app_context():
        petition = make_petition()
        sign_people(petition, people)
        delivery.request_delivery(
            db.session.get(Action, petition.id),
            [delivery.Recipient("Acme HR", "hr@acme.example")],
            fields=["first_name", "email"],  # ignored: a protected delivery carries no names
            protected=True,
            min_group=3,
        )
    run_jobs(["mail"])
    with app.app_context():
        [mail] = delivered()
        record = db.session.scalars(select(PetitionDelivery)).one()
    assert record.fields == [] and record.signatures == 9
    data = base64.b64decode(mail.attachments[0]["content"])
    assert rows_of(data) == [["ZIP or postcode", "Signatures"], ["94612", "6"], ["other", "3"]]
    text = mail.text_body + data.decode()
    for secret in ("W0", "Solo", "example.org", "10001", "alone", "94610"):
        assert secret not in text
    assert "94612: 6" in mail.text_body and "other: 3" in mail.text_body


def test_protected_delivery_by_district(app, run_jobs):
    """A letter with a directory can group an employer's copy by district."""
    from campaigns.models import Action

    with app.app_context():
        letter = make_council_letter(write_to_all=True)
        people = [(f"P{n}", "Q", "94610", "Oakland", "") for n in range(3)]
        sign_people(letter, people)
        delivery.request_delivery(
            db.session.get(Action, letter.id),
            [delivery.Recipient("", "hr@acme.example")],
            fields=[],
            protected=True,
            group_by="district",
            min_group=3,
        )
    run_jobs(["mail"])
    with app.app_context():
        [mail] = delivered()
    assert "OAK-2: 3" in mail.text_body


def test_letter_targets_are_the_default_recipients(app, client, csrf, organizer, run_jobs):
    """Left empty, "Send to" means the letter's fixed targets with an address."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        letter = make_letter(make_campaign(org), targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        letter_id = letter.id
    url = f"{organizer}/actions/{letter_id}/deliver"
    page = client.get(url).get_data(as_text=True)
    assert "Pat Boss &lt;ceo@acme.example&gt;" in page
    client.post(
        url,
        data={"recipients": "", "min_group": "5", "group_by": "postcode", "csrf_token": csrf(url)},
    )
    run_jobs(["mail"])
    with app.app_context():
        [mail] = delivered()
    assert mail.to_address == "Pat Boss <ceo@acme.example>"


def test_bad_recipients_are_refused_with_the_line(app, client, csrf, organizer, petition_id):
    """A line that is not an address is named; nothing is recorded or sent."""
    url = f"{organizer}/actions/{petition_id}/deliver"
    resp = client.post(
        url,
        data={
            "recipients": "ok@acme.example\nJo Boss",
            "min_group": "5",
            "group_by": "postcode",
            "csrf_token": csrf(url),
        },
    )
    assert resp.status_code == 422
    assert "line 2: &#39;Jo Boss&#39; is not an email address" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PetitionDelivery)).all() == []


def test_delivery_attachment_in_the_sendgrid_request(sendgrid_app, sendgrid, run_jobs):
    """Through SendGrid the CSV travels base64-encoded in the v3 body's attachments."""
    from campaigns.models import Action

    with sendgrid_app.app_context():
        petition = make_petition()
        sign_people(petition)
        delivery.request_delivery(
            db.session.get(Action, petition.id),
            [delivery.Recipient("Jo Boss", "ceo@acme.example")],
            fields=["first_name", "last_name"],
        )
    run_jobs(["mail"])
    [request] = [
        r
        for r in sendgrid.mail_sends()
        if r.body["personalizations"][0]["to"][0]["email"] == "ceo@acme.example"
    ]
    [attachment] = request.body["attachments"]
    assert attachment["filename"] == "signers.csv"
    assert attachment["type"] == "text/csv"
    assert attachment["disposition"] == "attachment"
    assert rows_of(base64.b64decode(attachment["content"])) == [
        ["First name", "Last name"],
        ["Ana", "Ruiz"],
        ["Luis", "Pérez"],
        ["Mei", "Chen"],
    ]
    with sendgrid_app.app_context():
        assert db.session.scalars(select(PetitionDelivery.status)).one() == "sent"
