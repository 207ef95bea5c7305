"""OSDI events (event actions, their span taken from the shifts) and attendances (RSVPs),
reached by links; their statuses; isolation between organizations; paging."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.events import rsvps as events
from campaigns.extensions import db
from campaigns.models import Action, Organization, Rsvp, utcnow
from campaigns.submissions.signing import Signer
from tests.api.conftest import ApiClient, make_key
from tests.api.test_contract import AEP, follow
from tests.factories import make_campaign, make_event, make_organization


def rsvp(app, action_id, shift_index, email):
    with app.app_context():
        action = db.session.get(Action, action_id)
        shift = events.shifts_of(action)[shift_index]
        signer = Signer(first_name="A", last_name="B", email=email, postcode="94612")
        return events.rsvp(action, signer, [shift.id]).placed[shift.id]


@pytest.fixture
def event_id(api_app, org_id, petition_id):
    """Local 42's event (beside its petition): a shift with one place in five days and a
    shift with three places in six."""
    with api_app.app_context():
        campaign = make_campaign(organization=db.session.get(Organization, org_id))
        return make_event(campaign, shifts=((1, 5), (3, 6))).id


@pytest.mark.both_databases
def test_a_client_reaches_events_and_their_attendances_by_links(api_app, api, event_id):
    assert rsvp(api_app, event_id, 0, "ana@example.org") == "attending"
    assert rsvp(api_app, event_id, 0, "ben@example.org") == "waitlisted"
    assert rsvp(api_app, event_id, 1, "ana@example.org") == "attending"
    with api_app.app_context():
        shifts = events.shifts_of(event_id)
        starts = [s.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") for s in shifts]
        last_end = shifts[-1].ends_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    root = api.get(AEP).get_json()
    listed = follow(api, root, "osdi:events").get_json()
    # Only the event: the petition beside it is not an event.
    assert listed["total_records"] == 1
    event = follow(api, listed["_embedded"]["osdi:events"][0], "self").get_json()
    assert event == listed["_embedded"]["osdi:events"][0]
    assert event["start_date"] == starts[0]
    assert event["end_date"] == last_end
    assert [s["start_date"] for s in event["campaigns:shifts"]] == starts
    assert [s["capacity"] for s in event["campaigns:shifts"]] == [1, 3]
    assert [s["total_accepted"] for s in event["campaigns:shifts"]] == [1, 1]
    assert event["capacity"] == 4
    assert event["total_accepted"] == 2
    assert event["campaigns:shifts"][0]["location"] == {"venue": "Gate 1, Acme warehouse"}

    attendances = follow(api, event, "osdi:attendances").get_json()
    assert attendances["total_records"] == 3
    found = attendances["_embedded"]["osdi:attendances"]
    assert [(a["status"], a["campaigns:status"]) for a in found] == [
        ("accepted", "attending"),
        ("tentative", "waitlisted"),
        ("accepted", "attending"),
    ]
    assert [a["campaigns:shift"]["start_date"] for a in found] == [starts[0], starts[0], starts[1]]
    assert follow(api, found[1], "self").get_json() == found[1]
    assert follow(api, found[1], "osdi:event").get_json()["identifiers"] == event["identifiers"]
    ben = follow(api, found[1], "osdi:person").get_json()
    assert ben["email_addresses"][0]["address"] == "ben@example.org"
    assert follow(api, ben, "osdi:attendances").get_json()["_embedded"]["osdi:attendances"] == [
        found[1]
    ]
    ana = follow(api, found[0], "osdi:person").get_json()
    assert follow(api, ana, "osdi:attendances").get_json()["total_records"] == 2

    # An hour later, Ana cancels her first shift: she has declined, and Ben gets her place.
    with api_app.app_context():
        for row in db.session.scalars(select(Rsvp)):
            row.created_at -= timedelta(hours=1)
        db.session.commit()
        held = db.session.scalars(
            select(Rsvp).order_by(Rsvp.id).where(Rsvp.shift_id == shifts[0].id)
        ).first()
        events.cancel(held)
        db.session.commit()
        half_an_hour_ago = (utcnow() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = follow(api, event, "osdi:attendances").get_json()["_embedded"]["osdi:attendances"]
    assert [a["status"] for a in after] == ["declined", "accepted", "accepted"]
    # What changed since: the cancelled place and the promotion, not Ana's second shift.
    since = api.get(
        event["_links"]["osdi:attendances"]["href"],
        query_string={"filter": f"modified_date gt '{half_an_hour_ago}'"},
    ).get_json()
    assert [a["identifiers"] for a in since["_embedded"]["osdi:attendances"]] == [
        found[0]["identifiers"],
        found[1]["identifiers"],
    ]
    assert [a["modified_date"] > half_an_hour_ago for a in after] == [True, True, False]


def test_another_organizations_key_finds_none_of_these_events(api_app, api, client, event_id):
    rsvp(api_app, event_id, 0, "ana@example.org")
    event = api.get(AEP + "events").get_json()["_embedded"]["osdi:events"][0]
    attendance = api.get(event["_links"]["osdi:attendances"]["href"]).get_json()["_embedded"][
        "osdi:attendances"
    ][0]
    with api_app.app_context():
        _, token = make_key(make_organization(name="Local 7", slug="local-7"), name="theirs")
    other = ApiClient(client, token)
    assert other.get(AEP + "events").get_json()["total_records"] == 0
    for url in (
        event["_links"]["self"]["href"],
        event["_links"]["osdi:attendances"]["href"],
        attendance["_links"]["self"]["href"],
        attendance["_links"]["osdi:person"]["href"] + "/attendances",
    ):
        assert other.get(url).status_code == 404, url
    # A petition's identifier is not an event's.
    petition = api.get(AEP + "petitions").get_json()["_embedded"]["osdi:petitions"][0]
    petition_uuid = petition["identifiers"][0].removeprefix("campaigns:")
    assert api.get(f"{AEP}events/{petition_uuid}").status_code == 404


@pytest.mark.both_databases
def test_walking_attendances_by_next_links_sees_everyone_once(api_app, api, event_id):
    for n in range(7):
        rsvp(api_app, event_id, 1, f"p{n}@example.org")
    event = api.get(AEP + "events").get_json()["_embedded"]["osdi:events"][0]
    url = event["_links"]["osdi:attendances"]["href"] + "?per_page=2"
    seen, statuses = [], []
    while url:
        body = api.get(url).get_json()
        assert body["total_records"] == 7
        seen += [a["identifiers"][0] for a in body["_embedded"]["osdi:attendances"]]
        statuses += [a["status"] for a in body["_embedded"]["osdi:attendances"]]
        url = body["_links"].get("next", {}).get("href")
    assert len(seen) == len(set(seen)) == 7
    # Three places: the first three attend, the rest wait.
    assert statuses == ["accepted"] * 3 + ["tentative"] * 4
