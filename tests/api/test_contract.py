"""An OSDI client's walk: start at the entry point and follow links, never build a URL."""

import pytest

from campaigns.extensions import db
from campaigns.models import Submission, Supporter

AEP = "/api/v1/"


def follow(api, doc, rel, method="get", **kw):
    href = doc["_links"][rel]["href"]
    response = getattr(api, method)(href, **kw)
    assert response.status_code < 300, (rel, response.status_code, response.get_json())
    assert response.content_type == "application/hal+json"
    return response


@pytest.mark.both_databases
def test_a_client_signs_up_a_person_and_records_a_signature_by_links_alone(
    api_app, api, petition_id
):
    """From the entry point: sign up a person, find the petition, sign it, read it back."""
    aep = api.get(AEP)
    assert aep.status_code == 200
    assert aep.content_type == "application/hal+json"
    root = aep.get_json()
    for rel in ("osdi:people", "osdi:petitions", "osdi:person_signup_helper"):
        assert rel in root["_links"]

    person = {
        "given_name": "Ana",
        "family_name": "Ruiz",
        "email_addresses": [{"address": "Ana.Ruiz@Example.org", "status": "subscribed"}],
        "postal_addresses": [{"postal_code": "94612", "locality": "Oakland"}],
        "languages_spoken": ["es"],
    }
    signed_up = follow(api, root, "osdi:person_signup_helper", "post", json={"person": person})
    assert signed_up.status_code == 201
    ana = signed_up.get_json()
    assert ana["identifiers"][0].startswith("campaigns:")
    assert ana["email_addresses"][0] == {
        "address": "Ana.Ruiz@Example.org",
        "primary": True,
        "status": "subscribed",
    }
    assert ana["languages_spoken"] == ["es"]

    petitions = follow(api, root, "osdi:petitions").get_json()
    assert petitions["total_records"] == 1
    petition = petitions["_embedded"]["osdi:petitions"][0]
    assert petition["total_signatures"] == 0
    petition = follow(api, petition, "self").get_json()

    recorded = follow(
        api,
        petition,
        "osdi:record_signature_helper",
        "post",
        json={
            "person": {"email_addresses": [{"address": "ana.ruiz@example.org"}]},
            "comments": "¡Sí!",
        },
    )
    assert recorded.status_code == 201
    signature = recorded.get_json()
    assert signature["comments"] == "¡Sí!"
    # The signature belongs to the person the helper matched by email.
    signer = follow(api, signature, "osdi:person").get_json()
    assert signer["identifiers"] == ana["identifiers"]
    assert signer["given_name"] == "Ana"

    listed = follow(api, petition, "osdi:signatures").get_json()
    assert [s["identifiers"] for s in listed["_embedded"]["osdi:signatures"]] == [
        signature["identifiers"]
    ]
    assert follow(api, signature, "self").get_json()["identifiers"] == signature["identifiers"]
    of_person = follow(api, signer, "osdi:signatures").get_json()
    assert of_person["total_records"] == 1

    people = follow(api, root, "osdi:people").get_json()
    assert [p["identifiers"] for p in people["_embedded"]["osdi:people"]] == [ana["identifiers"]]
    with api_app.app_context():
        assert db.session.query(Supporter).count() == 1
        assert db.session.query(Submission).one().source == "api"


def test_every_link_in_a_collection_resolves(api_app, api, petition_id):
    """Every href the API hands out answers 200 with HAL+JSON."""
    root = api.get(AEP).get_json()
    seen = set()
    queue = [root]
    while queue:
        doc = queue.pop()
        for rel, value in doc.get("_links", {}).items():
            if rel in ("curies", "docs", "osdi:person_signup_helper"):
                continue
            if rel.endswith("helper"):
                continue
            for item in value if isinstance(value, list) else [value]:
                href = item["href"]
                if href in seen:
                    continue
                seen.add(href)
                response = api.get(href)
                assert response.status_code == 200, href
                queue.append(response.get_json())
        for items in doc.get("_embedded", {}).values():
            queue.extend(items)
    assert any("/petitions/" in href for href in seen)
