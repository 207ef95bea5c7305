"""People over the API: the signup helper matches by canonical email; updates; isolation."""

from datetime import UTC, datetime

import pytest

from campaigns.extensions import db
from campaigns.models import Supporter
from tests.api.conftest import ApiClient, make_key
from tests.factories import make_organization

HELPER = "/api/v1/people/person_signup_helper"


def person(email, **fields):
    return {"person": {"email_addresses": [{"address": email}], **fields}}


@pytest.mark.both_databases
def test_signup_helper_matches_a_person_by_canonical_email(api_app, api):
    """A Gmail alias with dots, a +tag and capitals is the same person: matched, not added."""
    first = api.post(HELPER, json=person("maria.garcia@gmail.com", given_name="Maria"))
    assert first.status_code == 201
    again = api.post(
        HELPER,
        json=person(
            "Maria.Garcia+union@GoogleMail.com",
            family_name="García",
            postal_addresses=[{"postal_code": "94610", "locality": "Oakland"}],
        ),
    )
    assert again.status_code == 200
    body = again.get_json()
    assert body["identifiers"] == first.get_json()["identifiers"]
    # The newest details win; a name not given keeps the one known.
    assert body["given_name"] == "Maria"
    assert body["family_name"] == "García"
    assert body["postal_addresses"][0]["postal_code"] == "94610"
    with api_app.app_context():
        assert db.session.query(Supporter).count() == 1


def test_signup_helper_subscribes_only_when_asked_and_never_unsubscribes(api):
    """status "subscribed" subscribes; a later signup without it leaves the person subscribed."""
    made = api.post(
        HELPER,
        json={
            "person": {"email_addresses": [{"address": "a@example.org", "status": "subscribed"}]}
        },
    )
    assert made.get_json()["email_addresses"][0]["status"] == "subscribed"
    again = api.post(HELPER, json=person("a@example.org"))
    assert again.get_json()["email_addresses"][0]["status"] == "subscribed"
    other = api.post(HELPER, json=person("b@example.org"))
    assert other.get_json()["email_addresses"][0]["status"] == "unsubscribed"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"person": "x"},
        {"person": {}},
        {"person": {"email_addresses": []}},
        {"person": {"email_addresses": [{"address": "not-an-email"}]}},
        {"person": {"email_addresses": [{"address": 5}]}},
        {"person": {"email_addresses": [{"address": "a@b.org"}], "given_name": "<script>"}},
        {"person": {"email_addresses": [{"address": "a@b.org"}], "languages_spoken": ["fr"]}},
        {"person": {"email_addresses": [{"address": "a@b.org"}], "postal_addresses": "x"}},
    ],
)
def test_signup_helper_refuses_bad_input_with_an_error_body(api, body):
    """Bad input answers 400 with {"error": …}, never 500."""
    response = api.post(HELPER, json=body)
    assert response.status_code == 400
    assert isinstance(response.get_json()["error"], str)


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.client.post(
        HELPER, data="nope", headers=api.headers({"Content-Type": "application/json"})
    )
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_update_changes_name_postal_address_and_language(api_app, api):
    """PUT sets the name, postcode, city and language; the email stays the person's key."""
    made = api.post(HELPER, json=person("luz@example.org", given_name="Luz")).get_json()
    url = made["_links"]["self"]["href"]
    response = api.put(
        url,
        json={
            "given_name": "Luz María",
            "postal_addresses": [{"postal_code": "10001", "locality": "New York"}],
            "languages_spoken": ["es"],
            "email_addresses": [{"address": "other@example.org"}],
        },
    )
    assert response.status_code == 200
    body = api.get(url).get_json()
    assert body["given_name"] == "Luz María"
    assert body["postal_addresses"][0] == {
        "postal_code": "10001",
        "locality": "New York",
        "primary": True,
    }
    assert body["languages_spoken"] == ["es"]
    assert body["email_addresses"][0]["address"] == "luz@example.org"
    assert body["modified_date"] >= made["modified_date"]


def test_another_organizations_key_sees_none_of_our_people(api_app, client, api):
    """A key of another organization gets 404 for our person and an empty list."""
    url = api.post(HELPER, json=person("x@example.org")).get_json()["_links"]["self"]["href"]
    with api_app.app_context():
        _, token = make_key(make_organization())
    stranger = ApiClient(client, token)
    assert stranger.get(url).status_code == 404
    assert stranger.put(url, json={"given_name": "X"}).status_code == 404
    assert stranger.get(url + "/signatures").status_code == 404
    listed = stranger.get("/api/v1/people").get_json()
    assert listed["total_records"] == 0
    assert listed["_embedded"]["osdi:people"] == []


@pytest.mark.both_databases
def test_people_filtered_by_modified_date(api_app, api, org_id):
    """filter=modified_date gt/lt picks people by when they last changed."""
    with api_app.app_context():
        for day in (1, 10, 20):
            db.session.add(
                Supporter(
                    organization_id=org_id,
                    email=f"d{day}@example.org",
                    email_key=f"d{day}@example.org",
                    first_name=f"Day {day}",
                    last_name="X",
                    updated_at=datetime(2025, 3, day, 12, tzinfo=UTC),
                )
            )
        db.session.commit()

    def names(filter_):
        response = api.get("/api/v1/people", query_string={"filter": filter_})
        assert response.status_code == 200, response.get_json()
        return [p["given_name"] for p in response.get_json()["_embedded"]["osdi:people"]]

    assert names("modified_date gt '2025-03-05'") == ["Day 10", "Day 20"]
    assert names("modified_date lt '2025-03-10T12:00:00Z'") == ["Day 1"]
    assert names("modified_date gt '2025-03-05' and modified_date lt '2025-03-15'") == ["Day 10"]
    # The filter travels in the next link.
    first = api.get(
        "/api/v1/people", query_string={"filter": "modified_date gt '2025-03-05'", "per_page": 1}
    ).get_json()
    assert first["total_records"] == 2
    second = api.get(first["_links"]["next"]["href"]).get_json()
    assert [p["given_name"] for p in second["_embedded"]["osdi:people"]] == ["Day 20"]
    assert "next" not in second["_links"]


@pytest.mark.parametrize(
    "query",
    [
        {"filter": "modified_date gt 2025"},
        {"filter": "modified_date gt '2025-13-45'"},
        {"filter": "email eq 'a@b.org'"},
        {"filter": "modified_date gt '2025-01-01' or modified_date lt '2024-01-01'"},
        {"per_page": "101"},
        {"per_page": "0"},
        {"page": "x"},
        {"after": "garbage!"},
    ],
)
def test_bad_filters_and_paging_answer_400(api, query):
    response = api.get("/api/v1/people", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]
