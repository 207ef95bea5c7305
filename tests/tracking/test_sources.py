from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Organization, Submission
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import sources
from tests.conftest import csrf_from
from tests.factories import make_campaign, make_council_letter, make_petition, signer_form


def test_referrer_host_keeps_only_the_domain():
    """A referring address is cut down to its host: no path, query, port or www."""
    assert sources.referrer_host("https://www.Facebook.com/groups/123?fbclid=x") == "facebook.com"
    assert sources.referrer_host("http://partner.example.org:8080/embed") == "partner.example.org"
    assert sources.referrer_host("android-app://com.whatsapp/") == "com.whatsapp"
    assert sources.referrer_host("") == ""
    assert sources.referrer_host("javascript:alert(1)") == ""
    assert sources.referrer_host("https://evil.example/<script>") == "evil.example"


def test_source_code_and_referring_site_are_kept_with_the_signature(app, client):
    """?source= and the linking site's host travel with the form and land on the submission."""
    with app.app_context():
        slug = make_petition().slug
    page = client.get(
        f"/a/{slug}?source=newsletter",
        headers={"Referer": "https://m.facebook.com/story.php?id=99&name=Maria"},
    ).get_data(as_text=True)
    assert 'name="source" type="hidden" value="newsletter"' in page
    assert 'name="referrer" type="hidden" value="m.facebook.com"' in page
    token = csrf_from(page)
    form = signer_form(source="newsletter", referrer="m.facebook.com", csrf_token=token)
    assert client.post(f"/a/{slug}", data=form).status_code == 302
    # Signed from our own page with no hidden field: no referrer, not our own host.
    own = client.post(
        f"/a/{slug}",
        data=signer_form(csrf_token=token),
        headers={"Referer": f"http://localhost/a/{slug}"},
    )
    assert own.status_code == 302
    # A partner's page embedding the form: its host, from the Referer of the post.
    client.post(
        f"/a/{slug}",
        data=signer_form(csrf_token=token),
        headers={"Referer": "https://www.partner-union.org/take-action?member=42"},
    )
    with app.app_context():
        rows = db.session.execute(
            select(Submission.source, Submission.referrer).order_by(Submission.id)
        ).all()
    assert rows == [("newsletter", "m.facebook.com"), ("", ""), ("", "partner-union.org")]


def test_forged_referrer_field_is_cut_to_a_host(app, client, csrf):
    """Whatever is posted as the referrer, only a host is stored."""
    with app.app_context():
        slug = make_petition().slug
    forged = "https://x.example/path?email=maria@example.org"
    client.post(f"/a/{slug}", data=signer_form(referrer=forged, csrf_token=csrf(f"/a/{slug}")))
    with app.app_context():
        assert db.session.scalars(select(Submission.referrer)).one() == "x.example"


def test_breakdowns_by_source_referrer_postcode(app, client, organizer):
    """The dashboard tables count signatures per source, site and postcode, largest first."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        petition = make_petition(make_campaign(org))
        plan = [("email", "", "94612")] * 3 + [("twitter", "t.co", "94610")] * 2
        plan += [("", "facebook.com", "94612 ")]
        for n, (source, referrer, postcode) in enumerate(plan):
            sign(
                petition,
                Signer(
                    first_name="A",
                    last_name="B",
                    email=f"p{n}@example.org",
                    postcode=postcode,
                    source=source,
                    referrer=referrer,
                ),
            )
        tables = {b.title: b for b in sources.breakdowns([petition.id])}
        petition_id = petition.id
    assert [(r.name, r.count) for r in tables["Source codes"].rows] == [
        ("email", 3),
        ("twitter", 2),
        ("(none)", 1),
    ]
    assert [(r.name, r.count) for r in tables["Referring sites"].rows] == [
        ("(none)", 3),
        ("t.co", 2),
        ("facebook.com", 1),
    ]
    assert [(r.name, r.count) for r in tables["ZIP or postcode"].rows] == [
        ("94612", 4),
        ("94610", 2),
    ]
    html = client.get(f"{organizer}/actions/{petition_id}/sources").get_data(as_text=True)
    assert "<th" in html and 'data-sort="number"' in html and 'data-value="3"' in html


def test_districts_of_a_letter_directory(app):
    """A postcode in two wards counts in both; an unknown postcode counts as (none)."""
    with app.app_context():
        letter = make_council_letter(write_to_all=True)
        for n, postcode in enumerate(["94612", "94610", "94610", "10001"]):
            sign(
                letter,
                Signer(first_name="A", last_name="B", email=f"w{n}@example.org", postcode=postcode),
            )
        tables = {b.title.split(" (")[0]: b for b in sources.breakdowns([letter.id])}
    wards = tables["Districts"]
    assert sorted((r.name, r.count) for r in wards.rows) == [
        ("(none)", 1),
        ("OAK-1", 1),
        ("OAK-2", 3),
    ]
    assert wards.total == 4
