"""OSDI tags and taggings: creating a tag, tagging and untagging people by links, read keys,
and one organization's key never reaching another's tags."""

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Organization, Supporter, Tag, Tagging
from tests.api.conftest import ApiClient, make_key
from tests.api.test_contract import AEP, follow
from tests.factories import make_organization


def sign_up(api, email, given_name="Ana"):
    person = {"given_name": given_name, "email_addresses": [{"address": email}]}
    root = api.get(AEP).get_json()
    return follow(api, root, "osdi:person_signup_helper", "post", json={"person": person})


def delete(api, url):
    return api.client.delete(url, headers=api.headers())


@pytest.mark.both_databases
def test_a_client_creates_a_tag_then_tags_and_untags_a_person_by_links(api_app, api):
    root = api.get(AEP).get_json()
    assert follow(api, root, "osdi:tags").get_json()["total_records"] == 0

    created = api.post(root["_links"]["osdi:tags"]["href"], json={"name": "Night  shift"})
    assert created.status_code == 201
    tag = created.get_json()
    assert tag["name"] == "Night shift"
    assert tag["identifiers"][0].startswith("campaigns:")
    assert created.headers["Location"] == tag["_links"]["self"]["href"]
    # The same name in another case is the same tag, as on the organizer pages.
    again = api.post(root["_links"]["osdi:tags"]["href"], json={"name": "night shift"})
    assert again.status_code == 200
    assert again.get_json()["identifiers"] == tag["identifiers"]
    listed = follow(api, root, "osdi:tags").get_json()
    assert [t["name"] for t in listed["_embedded"]["osdi:tags"]] == ["Night shift"]
    tag = follow(api, listed["_embedded"]["osdi:tags"][0], "self").get_json()

    ana = sign_up(api, "ana@example.org").get_json()
    person_link = {"_links": {"osdi:person": {"href": ana["_links"]["self"]["href"]}}}
    tagged = follow(api, tag, "osdi:taggings", "post", json=person_link)
    assert tagged.status_code == 201
    tagging = tagged.get_json()
    assert tagging["item_type"] == "osdi:person"
    assert tagging["_links"]["osdi:person"] == ana["_links"]["self"]
    assert tagging["_links"]["osdi:tag"] == tag["_links"]["self"]
    # Tagging twice is one tagging.
    assert follow(api, tag, "osdi:taggings", "post", json=person_link).status_code == 200
    # By identifier, as well as by link: the same person, still one tagging.
    by_id = follow(api, tag, "osdi:taggings", "post", json={"identifiers": ana["identifiers"]})
    assert by_id.status_code == 200

    of_tag = follow(api, tag, "osdi:taggings").get_json()
    assert of_tag["total_records"] == 1
    assert of_tag["_embedded"]["osdi:taggings"] == [tagging]
    of_person = follow(api, ana, "osdi:taggings").get_json()
    assert of_person["_embedded"]["osdi:taggings"] == [tagging]
    assert follow(api, tagging, "self").get_json() == tagging
    assert follow(api, tagging, "osdi:person").get_json()["identifiers"] == ana["identifiers"]

    untagged = delete(api, tagging["_links"]["self"]["href"])
    assert untagged.status_code == 200
    assert untagged.get_json() == {"notice": "This tagging was successfully deleted."}
    assert follow(api, tag, "osdi:taggings").get_json()["total_records"] == 0
    assert api.get(tagging["_links"]["self"]["href"]).status_code == 404
    assert delete(api, tagging["_links"]["self"]["href"]).status_code == 404
    with api_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tagging)) == 0
        # Untagging leaves the tag and the person.
        assert db.session.scalar(select(func.count()).select_from(Tag)) == 1
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 1


def test_bad_tag_and_tagging_bodies_are_400(api):
    tags = api.get(AEP).get_json()["_links"]["osdi:tags"]["href"]
    assert api.post(tags, json={"name": "   "}).status_code == 400
    assert api.post(tags, json={"name": "x" * 61}).status_code == 400
    assert api.post(tags, json={"name": 5}).get_json()["error"] == "name must be a string"
    tag = api.post(tags, json={"name": "steward"}).get_json()
    taggings = tag["_links"]["osdi:taggings"]["href"]
    assert api.post(taggings, json={}).status_code == 400
    assert api.post(taggings, json={"_links": {"osdi:person": "x"}}).status_code == 400
    elsewhere = {"_links": {"osdi:person": {"href": tags}}}
    assert api.post(taggings, json=elsewhere).status_code == 400
    nobody = {"_links": {"osdi:person": {"href": f"{AEP}people/no-such-person"}}}
    assert api.post(taggings, json=nobody).status_code == 404


def test_a_read_key_lists_tags_but_cannot_create_tag_or_untag(api, read_api):
    tags = api.get(AEP).get_json()["_links"]["osdi:tags"]["href"]
    tag = api.post(tags, json={"name": "steward"}).get_json()
    ana = sign_up(api, "ana@example.org").get_json()
    person_link = {"_links": {"osdi:person": {"href": ana["_links"]["self"]["href"]}}}
    tagging = api.post(tag["_links"]["osdi:taggings"]["href"], json=person_link).get_json()

    assert read_api.get(tags).get_json()["total_records"] == 1
    assert read_api.get(tagging["_links"]["self"]["href"]).status_code == 200
    denied = read_api.post(tags, json={"name": "other"})
    assert denied.status_code == 403
    assert denied.get_json() == {"error": "this API key may only read"}
    assert read_api.post(tag["_links"]["osdi:taggings"]["href"], json=person_link).status_code == (
        403
    )
    assert delete(read_api, tagging["_links"]["self"]["href"]).status_code == 403
    assert api.get(tag["_links"]["osdi:taggings"]["href"]).get_json()["total_records"] == 1
    assert api.get(tags).get_json()["total_records"] == 1


def test_another_organizations_key_finds_none_of_these_tags(api_app, api, client):
    tags = api.get(AEP).get_json()["_links"]["osdi:tags"]["href"]
    tag = api.post(tags, json={"name": "steward"}).get_json()
    ana = sign_up(api, "ana@example.org").get_json()
    person_link = {"_links": {"osdi:person": {"href": ana["_links"]["self"]["href"]}}}
    tagging = api.post(tag["_links"]["osdi:taggings"]["href"], json=person_link).get_json()
    with api_app.app_context():
        _, token = make_key(make_organization(name="Local 7", slug="local-7"))
    other = ApiClient(client, token)

    assert other.get(tags).get_json()["total_records"] == 0
    for url in (
        tag["_links"]["self"]["href"],
        tag["_links"]["osdi:taggings"]["href"],
        tagging["_links"]["self"]["href"],
        ana["_links"]["osdi:taggings"]["href"],
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(tag["_links"]["osdi:taggings"]["href"], json=person_link).status_code == 404
    assert delete(other, tagging["_links"]["self"]["href"]).status_code == 404
    # Nor can it tag Local 42's person with a tag of its own.
    own = other.post(tags, json={"name": "steward"})
    assert own.status_code == 201
    assert own.get_json()["identifiers"] != tag["identifiers"]
    stolen = other.post(own.get_json()["_links"]["osdi:taggings"]["href"], json=person_link)
    assert stolen.status_code == 404
    assert api.get(tag["_links"]["osdi:taggings"]["href"]).get_json()["total_records"] == 1


@pytest.mark.both_databases
def test_walking_a_tags_taggings_by_next_links_sees_everyone_once(api_app, api, org_id):
    with api_app.app_context():
        organization = db.session.get(Organization, org_id)
        tag = Tag(organization_id=organization.id, name="steward")
        db.session.add(tag)
        for n in range(8):
            db.session.add(
                Supporter(
                    organization_id=org_id,
                    email=f"p{n}@example.org",
                    email_key=f"p{n}@example.org",
                    first_name=f"P{n}",
                    last_name="X",
                )
            )
        db.session.flush()
        # Seven of eight carry the tag: the one left out must not appear.
        for supporter in db.session.scalars(select(Supporter).order_by(Supporter.id).limit(7)):
            db.session.add(Tagging(tag_id=tag.id, supporter_id=supporter.id))
        db.session.commit()
        expected = set(
            db.session.scalars(
                select(Supporter.uuid).join(Tagging, Tagging.supporter_id == Supporter.id)
            )
        )
    tags = api.get(AEP).get_json()["_links"]["osdi:tags"]["href"]
    tag_doc = api.get(tags).get_json()["_embedded"]["osdi:tags"][0]
    url = tag_doc["_links"]["osdi:taggings"]["href"] + "?per_page=3"
    seen, pages = [], 0
    while url:
        body = api.get(url).get_json()
        pages += 1
        assert body["total_records"] == 7
        seen += [
            t["_links"]["osdi:person"]["href"].rsplit("/", 1)[1]
            for t in body["_embedded"]["osdi:taggings"]
        ]
        url = body["_links"].get("next", {}).get("href")
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == expected
