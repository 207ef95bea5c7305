"""OSDI tags and taggings: the organization's tags, and who carries each.

A tagging is the pair (tag, person), which is also its key in the database: its id in URLs is
the person's uuid under the tag's URL, and its identifier `campaigns:<tag uuid>:<person uuid>`,
so tagging someone twice is the same tagging, as on the organizer pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaigns.api.v1 import bp
from campaigns.api.v1.hal import (
    ApiError,
    base_url,
    collection,
    hal_response,
    identifier,
    iso,
    json_body,
    paginate,
    parse_filter,
)
from campaigns.api.v1.people import person_or_404
from campaigns.extensions import db
from campaigns.models import Organization, Supporter, Tag, Tagging
from campaigns.supporters import lists as supporters


def tag_or_404(tag_id: str) -> Tag:
    tag = db.session.scalars(
        select(Tag).where(Tag.uuid == tag_id, Tag.organization_id == g.organization_id)
    ).first()
    if tag is None:
        raise ApiError(404, "no such tag")
    return tag


def tag_json(tag: Tag, base: str | None = None) -> dict:
    href = f"{base or base_url()}/tags/{tag.uuid}"
    return {
        "identifiers": identifier(tag.uuid),
        # A tag is never changed once made (only its taggings are), so both dates are its
        # creation, as Action Network reports for tags.
        "created_date": iso(tag.created_at),
        "modified_date": iso(tag.created_at),
        "name": tag.name,
        "_links": {"self": {"href": href}, "osdi:taggings": {"href": f"{href}/taggings"}},
    }


def tagging_json(row, base: str | None = None) -> dict:
    """A tagging from a row with tag_uuid, person_uuid and created_at."""
    base = base or base_url()
    tag_href = f"{base}/tags/{row.tag_uuid}"
    return {
        "identifiers": [f"campaigns:{row.tag_uuid}:{row.person_uuid}"],
        "created_date": iso(row.created_at),
        "modified_date": iso(row.created_at),
        "item_type": "osdi:person",
        "_links": {
            "self": {"href": f"{tag_href}/taggings/{row.person_uuid}"},
            "osdi:tag": {"href": tag_href},
            "osdi:person": {"href": f"{base}/people/{row.person_uuid}"},
        },
    }


# A tagging as columns: paged by the supporter's id within a tag (the primary key's order),
# by the tag's id within a person. `id` is what `paginate` keys the cursor on.
def _taggings(id_column, *conditions):
    return (
        select(
            id_column.label("id"),
            Tag.uuid.label("tag_uuid"),
            Supporter.uuid.label("person_uuid"),
            Tagging.created_at,
        )
        .join(Tag, Tag.id == Tagging.tag_id)
        .join(Supporter, Supporter.id == Tagging.supporter_id)
        .where(
            Tag.organization_id == g.organization_id,
            *conditions,
            *parse_filter(request.args.get("filter"), Tagging.created_at),
        )
    )


@bp.get("/tags")
def tags():
    query = select(Tag).where(
        Tag.organization_id == g.organization_id,
        *parse_filter(request.args.get("filter"), Tag.created_at),
    )
    page = paginate(query, Tag.id)
    base = base_url()
    items = [tag_json(t, base) for t in page.rows]
    return hal_response(collection(page, "osdi:tags", "api_v1.tags", items))


@bp.post("/tags")
def create_tag():
    name = json_body().get("name")
    if not isinstance(name, str):
        raise ApiError(400, "name must be a string")
    organization = db.session.get(Organization, g.organization_id)
    known = {t.id for t in supporters.tags_of_organization(organization)}
    try:
        tag = supporters.find_or_create_tag(organization, name)
        db.session.commit()
        # As the organizer pages do, a name already used (in any case) is that tag: 200.
        created = tag.id not in known
    except supporters.TagError as exc:
        raise ApiError(400, str(exc)) from None
    except IntegrityError:
        # Another request made the same name between our look and our insert (the unique
        # constraint on organization and name): theirs is the tag.
        db.session.rollback()
        tag, created = supporters.find_or_create_tag(organization, name), False
    document = tag_json(tag)
    return hal_response(
        document, 201 if created else 200, {"Location": document["_links"]["self"]["href"]}
    )


@bp.get("/tags/<tag_id>")
def tag(tag_id: str):
    return hal_response(tag_json(tag_or_404(tag_id)))


@bp.get("/tags/<tag_id>/taggings")
def taggings(tag_id: str):
    found = tag_or_404(tag_id)
    query = _taggings(Tagging.supporter_id, Tagging.tag_id == found.id)
    page = paginate(query, Tagging.supporter_id, columns=True)
    base = base_url()
    items = [tagging_json(r, base) for r in page.rows]
    return hal_response(collection(page, "osdi:taggings", "api_v1.taggings", items, tag_id=tag_id))


@bp.get("/people/<person_id>/taggings")
def person_taggings(person_id: str):
    supporter = person_or_404(person_id)
    query = _taggings(Tagging.tag_id, Tagging.supporter_id == supporter.id)
    page = paginate(query, Tagging.tag_id, columns=True)
    base = base_url()
    items = [tagging_json(r, base) for r in page.rows]
    return hal_response(
        collection(page, "osdi:taggings", "api_v1.person_taggings", items, person_id=person_id)
    )


def _one_tagging(tag_id: str, tagging_id: str):
    found = tag_or_404(tag_id)
    row = db.session.execute(
        _taggings(Tagging.supporter_id, Tagging.tag_id == found.id, Supporter.uuid == tagging_id)
    ).first()
    if row is None:
        raise ApiError(404, "no such tagging")
    return found, row


@bp.get("/tags/<tag_id>/taggings/<tagging_id>")
def tagging(tag_id: str, tagging_id: str):
    return hal_response(tagging_json(_one_tagging(tag_id, tagging_id)[1]))


def _person_from(body: dict) -> Supporter:
    """The person to tag, as Action Network takes it (`_links.osdi:person.href`) or by
    `identifiers` (`campaigns:<uuid>`); only this organization's people are found."""
    links = body.get("_links")
    person = links.get("osdi:person") if isinstance(links, dict) else None
    if person is not None and not isinstance(person, dict):
        raise ApiError(400, "_links.osdi:person must be an object with an href")
    href = person.get("href") if person is not None else None
    if href is not None:
        if not isinstance(href, str):
            raise ApiError(400, "_links.osdi:person.href must be a string")
        head, _, person_id = urlsplit(href).path.rstrip("/").rpartition("/")
        if not head.endswith("/people"):
            raise ApiError(400, "_links.osdi:person.href must be a person's link")
        return person_or_404(person_id)
    identifiers = body.get("identifiers")
    if isinstance(identifiers, list):
        for value in identifiers:
            if isinstance(value, str) and value.startswith("campaigns:"):
                return person_or_404(value.removeprefix("campaigns:"))
    raise ApiError(400, "name the person in _links.osdi:person.href or identifiers")


@bp.post("/tags/<tag_id>/taggings")
def create_tagging(tag_id: str):
    found = tag_or_404(tag_id)
    body = json_body()
    if not isinstance(body.get("_links", {}), dict):
        raise ApiError(400, "_links must be an object")
    supporter = _person_from(body)
    added = supporters.tag_supporter(found, supporter)
    _, row = _one_tagging(tag_id, supporter.uuid)
    document = tagging_json(row)
    return hal_response(
        document, 201 if added else 200, {"Location": document["_links"]["self"]["href"]}
    )


@bp.delete("/tags/<tag_id>/taggings/<tagging_id>")
def delete_tagging(tag_id: str, tagging_id: str):
    found, row = _one_tagging(tag_id, tagging_id)
    supporter = person_or_404(row.person_uuid)
    supporters.remove_tag(db.session.get(Organization, g.organization_id), supporter, found.id)
    # Action Network answers a delete with a notice rather than an empty body.
    return hal_response({"notice": "This tagging was successfully deleted."})
