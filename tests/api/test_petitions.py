"""Petitions and signatures over the API: the helper signs as the petition's page does."""

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, CampaignStatus, Organization, Submission, Supporter
from campaigns.tracking import counts
from tests.factories import make_campaign, make_petition


def helper_of(api):
    petition = api.get("/api/v1/petitions").get_json()["_embedded"]["osdi:petitions"][0]
    return petition, petition["_links"]["osdi:record_signature_helper"]["href"]


def signing(email, **person):
    return {"person": {"email_addresses": [{"address": email}], **person}}


@pytest.mark.both_databases
def test_signing_twice_with_an_alias_is_one_signature(api_app, api, petition_id, run_jobs):
    """The helper matches the person and the signature; the count goes up once."""
    _, helper = helper_of(api)
    first = api.post(helper, json=signing("jo.lee@gmail.com", given_name="Jo"))
    assert first.status_code == 201
    again = api.post(helper, json=signing("JoLee+petition@gmail.com"))
    assert again.status_code == 200
    assert again.get_json()["identifiers"] == first.get_json()["identifiers"]
    run_jobs()
    with api_app.app_context():
        assert db.session.query(Submission).count() == 1
        action = db.session.get(Action, petition_id)
        assert counts.public_total(action) == 1
    petition, _ = helper_of(api)
    assert petition["total_signatures"] == 1


def test_signing_queues_the_confirmation_email(api_app, api, petition_id, run_jobs):
    """A signature over the API is confirmed by email like any other."""
    from campaigns.models import OutboxEmail

    _, helper = helper_of(api)
    api.post(helper, json=signing("kim@example.org", given_name="Kim", family_name="Park"))
    run_jobs()
    with api_app.app_context():
        mails = db.session.scalars(select(OutboxEmail)).all()
        assert [m.to_address for m in mails] == ["Kim Park <kim@example.org>"]


def test_a_closed_petition_refuses_signatures_with_409(api_app, api, petition_id):
    with api_app.app_context():
        db.session.get(Action, petition_id).campaign.status = CampaignStatus.closed
        db.session.commit()
    _, helper = helper_of(api)
    response = api.post(helper, json=signing("a@example.org"))
    assert response.status_code == 409
    assert response.get_json() == {"error": "this petition is not open for signatures"}


def test_another_organizations_petition_is_404(api_app, api, petition_id):
    """Petitions of another organization are neither listed nor reachable."""
    with api_app.app_context():
        theirs = make_petition(make_campaign())
        their_uuid = theirs.uuid
    listed = api.get("/api/v1/petitions").get_json()
    assert listed["total_records"] == 1
    assert api.get(f"/api/v1/petitions/{their_uuid}").status_code == 404
    response = api.post(
        f"/api/v1/petitions/{their_uuid}/record_signature_helper", json=signing("a@b.org")
    )
    assert response.status_code == 404
    assert response.get_json() == {"error": "no such petition"}


def test_signatures_filtered_by_modified_date_follow_confirmation(api_app, api, petition_id):
    """A signature's modified date is when it was confirmed, else when it was made."""
    from datetime import UTC, datetime

    _, helper = helper_of(api)
    url = api.post(helper, json=signing("a@example.org")).get_json()["_links"]["self"]["href"]
    api.post(helper, json=signing("b@example.org"))
    with api_app.app_context():
        a = db.session.scalars(
            select(Submission).join(Supporter).where(Supporter.email == "a@example.org")
        ).one()
        a.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        a.confirmed_at = datetime(2025, 6, 1, tzinfo=UTC)
        db.session.commit()
        petition_uuid = db.session.get(Action, petition_id).uuid
    listing = f"/api/v1/petitions/{petition_uuid}/signatures"
    found = api.get(listing, query_string={"filter": "modified_date lt '2025-07-01'"}).get_json()
    assert [s["_links"]["self"]["href"] for s in found["_embedded"]["osdi:signatures"]] == [url]
    assert api.get(url).get_json()["modified_date"] == "2025-06-01T00:00:00Z"
    assert api.get(url).get_json()["confirmed"] is True


def test_unknown_paths_and_methods_answer_in_json(api):
    assert api.get("/api/v1/nothing-here").get_json()["error"]
    response = api.client.delete("/api/v1/people", headers=api.headers())
    assert response.status_code == 405
    assert response.get_json()["error"]


def test_draft_petitions_are_listed_for_their_organization(api_app, api, org_id):
    """An organization's own API sees its drafts, with their status."""
    with api_app.app_context():
        org = db.session.get(Organization, org_id)
        make_petition(make_campaign(organization=org, status=CampaignStatus.draft))
    petition = api.get("/api/v1/petitions").get_json()["_embedded"]["osdi:petitions"][0]
    assert petition["status"] == "draft"
