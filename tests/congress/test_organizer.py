"""The organizer's side of letters to Congress: topics, bills and stance, the House's
validation, office lists, and counts by channel and calls."""

from lxml import etree
from sqlalchemy import select

from campaigns.congress import office_lists, pacing
from campaigns.extensions import db
from campaigns.letters.compose import send_letter
from campaigns.models import Action, Call, Channel, LetterSettings, Role, Target
from campaigns.submissions.signing import Signer
from tests.congress.test_delivery import VERMONT
from tests.factories import make_campaign, make_congress_letter, make_organization, make_user
from tests.support.cwc_server import Reply


def organizer_with_letter(app, login):
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        action = make_congress_letter(make_campaign(org))
        action_id = action.id
    login("org@example.org")
    return action_id, f"/organize/local-42/actions/{action_id}"


def test_the_organizer_sets_topics_bills_stance_and_a_call_script(
    cwc_app, cwc, client, csrf, login, run_jobs
):
    action_id, base = organizer_with_letter(cwc_app, login)
    url = f"{base}/edit"
    form = {
        "title_en": "Tell Congress",
        "subject_en": "Protect the NLRB",
        "body_en": "Dear {target_name}, protect it.",
        "directory_id": "0",
        "topics": ["Labor and Employment", "Government Operations and Politics"],
        "bills": "HR  20 119\ns 567 119",
        "stance": "pro",
        "call_script": "Ask them to co-sponsor.",
        "daily_limit_per_target": "1",
        "over_cap": "wait",
        "csrf_token": csrf(url),
    }
    with cwc_app.app_context():
        form["directory_id"] = str(db.session.get(LetterSettings, action_id).directory_id)
    bad = client.post(url, data=form | {"bills": "hr twenty", "csrf_token": csrf(url)})
    assert bad.status_code == 422
    assert "line 1: write a bill as type, number, Congress" in bad.get_data(as_text=True)
    assert client.post(url, data=form).status_code == 302
    with cwc_app.app_context():
        settings = db.session.get(LetterSettings, action_id)
        assert settings.topics.splitlines() == [
            "Labor and Employment",
            "Government Operations and Politics",
        ]
        assert settings.bills.splitlines() == ["hr 20 119", "s 567 119"]
        assert (settings.stance, settings.call_script) == ("pro", "Ask them to co-sponsor.")
    page = client.get(url).get_data(as_text=True)
    assert 'checked id="topics-16" name="topics" type="checkbox" value="Government Op' in page

    # What the organizer chose is what each office receives.
    office_lists.refresh_configured()
    with cwc_app.app_context():
        send_letter(
            db.session.get(Action, action_id),
            Signer("Ana", "Ruiz", "ana@example.org", postcode="05401"),
            address=VERMONT,
        )
    run_jobs(["mail"])
    [house] = cwc.deliveries("house")
    document = etree.fromstring(house.body)
    assert document.xpath("Message/LibraryOfCongressTopics/LibraryOfCongressTopic/text()") == [
        "Labor and Employment",
        "Government Operations and Politics",
    ]
    bills = [
        (b.findtext("BillCongress"), b.findtext("BillTypeAbbreviation"), b.findtext("BillNumber"))
        for b in document.iterfind("Message/Bills/Bill")
    ]
    assert bills == [("119", "hr", "20"), ("119", "s", "567")]
    assert document.findtext("Message/ProOrCon") == "pro"


def test_validate_with_the_house_reports_its_answer(cwc_app, cwc, client, csrf, login):
    action_id, base = organizer_with_letter(cwc_app, login)
    delivery = f"{base}/delivery"
    page = client.get(delivery).get_data(as_text=True)
    assert "Validate with the House" in page and "Office list not fetched yet." in page
    client.post(f"{delivery}/offices", data={"csrf_token": csrf(delivery)})
    page = client.get(delivery).get_data(as_text=True)
    assert "The house&#39;s list: 3 offices take CWC messages." in page
    assert "3 offices take CWC messages (list of" in page

    resp = client.post(f"{delivery}/validate", data={"csrf_token": csrf(delivery)})
    assert resp.status_code == 302
    page = client.get(delivery).get_data(as_text=True)
    assert "The House accepts this letter (checked for HCA12)." in page
    [validation] = [r for r in cwc.received if r.path == "/v2/validate"]
    assert validation.office == "HCA12" and b"<Zip>94601</Zip>" in validation.body  # a ZIP of CA-12
    assert cwc.deliveries() == []  # nothing delivered

    cwc.replies = [Reply(400, "<Errors><Error>Prefix is wrong</Error></Errors>")]
    client.post(f"{delivery}/validate", data={"csrf_token": csrf(delivery)})
    page = client.get(delivery).get_data(as_text=True)
    assert "The House refuses this letter (HCA12): Prefix is wrong" in page


def test_the_delivery_page_counts_by_channel_shows_calls_and_a_pause(
    cwc_app, client, login, run_jobs
):
    action_id, base = organizer_with_letter(cwc_app, login)
    office_lists.refresh_configured()
    with cwc_app.app_context():
        action = db.session.get(Action, action_id)
        send_letter(
            action, Signer("Ana", "Ruiz", "ana@example.org", postcode="05401"), address=VERMONT
        )
        welch = db.session.scalars(select(Target).where(Target.name == "Peter Welch")).one()
        db.session.add_all([Call(action_id=action_id, target_id=welch.id) for _ in range(2)])
        db.session.commit()
        welch_id = welch.id
    run_jobs(["mail"])
    with cwc_app.app_context():
        pacing.pause("senate", "the senate refused the API key (401)")
    page = client.get(f"{base}/delivery").get_data(as_text=True)
    house_row = page.split('data-channel="cwc_house"')[1].split("</tr>")[0]
    assert 'data-status="delivered">1<' in house_row
    senate_row = page.split('data-channel="cwc_senate"')[1].split("</tr>")[0]
    assert 'data-status="delivered">1<' in senate_row
    assert f'data-called="{welch_id}"><th scope="row">Peter Welch</th><td>2</td>' in page
    assert "paused: the senate refused the API key (401)" in page


def test_fixed_targets_in_congress_by_office_code(cwc_app, client, csrf, login):
    """A committee chair written to by every supporter: a fixed target by CWC office code,
    typed or uploaded, shown again as typed."""
    import io

    with cwc_app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        campaign_id = make_campaign(org).id
    login("org@example.org")
    url = f"/organize/local-42/campaigns/{campaign_id}/letters/new"
    form = {
        "title_en": "Tell the chair",
        "subject_en": "Hold the hearing",
        "body_en": "Dear {target_name}, hold it.",
        "directory_id": "0",
        "daily_limit_per_target": "1",
        "over_cap": "wait",
        "targets": "Lateefah Simon, Representative, hca12",
    }
    upload = "name,title,office_code\nAlex Padilla,Senator,SCA03\nNobody,,XX1\n"
    bad = client.post(
        url,
        data=form
        | {"targets_file": (io.BytesIO(upload.encode()), "t.csv"), "csrf_token": csrf(url)},
    )
    assert "line 3, column office_code: XX1 is not like HCA12" in bad.get_data(as_text=True)
    upload = "name,title,office_code\nAlex Padilla,Senator,SCA03\n"
    resp = client.post(
        url,
        data=form
        | {"targets_file": (io.BytesIO(upload.encode()), "t.csv"), "csrf_token": csrf(url)},
    )
    assert resp.status_code == 302
    with cwc_app.app_context():
        action = db.session.scalars(select(Action)).one()
        found = {
            t.name: (t.office_code, t.email, t.declared_channel)
            for t in db.session.scalars(select(Target))
        }
        assert found == {
            "Lateefah Simon": ("HCA12", None, Channel.cwc_house),
            "Alex Padilla": ("SCA03", None, Channel.cwc_senate),
        }
        action_id = action.id
    page = client.get(f"/organize/local-42/actions/{action_id}/edit").get_data(as_text=True)
    assert "Lateefah Simon, Representative, HCA12\nAlex Padilla, Senator, SCA03" in page
