"""Inputs that once reached a 500 (or showed a primary key) now answer 400 with a message."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.test_pagination import add_people

HELPER = "/api/v1/people/person_signup_helper"


def signup(**person) -> dict:
    return {"person": {"email_addresses": [{"address": "ana@example.org"}], **person}}


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00"],
)
def test_a_date_that_leaves_the_range_in_utc_is_a_400(api, moment):
    response = api.get("/api/v1/people", query_string={"filter": f"modified_date gt '{moment}'"})
    assert response.status_code == 400
    assert "outside the dates" in response.get_json()["error"]


def test_the_edges_of_the_range_without_an_offset_still_work(api):
    for moment in ("0001-01-01", "9999-12-31T23:59:59Z"):
        query = {"filter": f"modified_date gt '{moment}'"}
        assert api.get("/api/v1/people", query_string=query).status_code == 200


def _next_cursor(api) -> str:
    body = api.get("/api/v1/people?per_page=1").get_json()
    return parse_qs(urlsplit(body["_links"]["next"]["href"]).query)["after"][0]


def test_cursors_show_no_primary_key_and_cannot_be_forged(api_app, api, org_id):
    add_people(api_app, org_id, 0, 3)
    cursor = _next_cursor(api)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    with pytest.raises(ValueError):
        json.loads(raw)
    # What a client could once make by hand: the old readable form, an id past 2^63.
    for forged in ([2**63, 2, 3], [1, 2, 3]):
        text = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        response = api.get("/api/v1/people", query_string={"after": text, "per_page": 1})
        assert response.status_code == 400
        assert "cursor" in response.get_json()["error"]
    tampered = cursor[:-6] + ("A" if cursor[-6] != "A" else "B") + cursor[-5:]
    assert api.get("/api/v1/people", query_string={"after": tampered}).status_code == 400
    # The real one walks on.
    assert (
        api.get("/api/v1/people", query_string={"after": cursor, "per_page": 1}).status_code == 200
    )


def _nested(levels: int) -> dict:
    inner: dict = {}
    for _ in range(levels):
        inner = {"x": inner}
    return inner


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # past the parser's recursion limit
        json.dumps(signup(custom_fields=_nested(40))),  # parses, but no OSDI body is so deep
    ],
)
def test_deeply_nested_bodies_are_a_400(api, body):
    response = api.client.post(
        HELPER, data=body, headers=api.headers({"Content-Type": "application/json"})
    )
    assert response.status_code == 400
    assert "nests deeper" in response.get_json()["error"]


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "person",
    [
        {"given_name": "Ana\x00"},
        {"family_name": "\x00"},
        {"postal_addresses": [{"postal_code": "94\x00110"}]},
    ],
)
def test_text_with_a_nul_character_is_a_400(api, person):
    response = api.post(HELPER, json=signup(**person))
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]
