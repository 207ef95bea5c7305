"""OSDI people: list, get, update, and the person signup helper."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import bindparam, select

from campaigns.api.v1 import bp
from campaigns.api.v1.hal import (
    ApiError,
    base_url,
    collection,
    hal_response,
    iso,
    json_body,
    paginate,
    parse_filter,
)
from campaigns.database import utc_iso
from campaigns.extensions import db
from campaigns.models import Supporter
from campaigns.supporters import people


def person_or_404(person_id: str) -> Supporter:
    supporter = db.session.scalars(
        select(Supporter).where(
            Supporter.uuid == person_id, Supporter.organization_id == g.organization_id
        )
    ).first()
    if supporter is None:
        raise ApiError(404, "no such person")
    return supporter


def person_json(supporter, base: str | None = None) -> dict:
    """A person's OSDI document, from a Supporter or a row of PERSON_COLUMNS; `base` is the
    API's root (`base_url()`), passed in by lists that build a hundred of these."""
    uuid = supporter.uuid
    href = f"{base or base_url()}/people/{uuid}"
    postcode, city = supporter.postcode, supporter.city
    if city:
        postal = [{"postal_code": postcode, "primary": True, "locality": city}]
    elif postcode:
        postal = [{"postal_code": postcode, "primary": True}]
    else:
        postal = []
    return {
        "identifiers": [f"campaigns:{uuid}"],
        "created_date": iso(supporter.created_at),
        "modified_date": iso(supporter.updated_at),
        "given_name": supporter.first_name,
        "family_name": supporter.last_name,
        "email_addresses": [
            {
                "address": supporter.email,
                "primary": True,
                "status": "subscribed" if supporter.subscribed else "unsubscribed",
            }
        ],
        "postal_addresses": postal,
        "languages_spoken": [supporter.locale],
        "custom_fields": {},
        "_links": {
            "self": {"href": href},
            "osdi:signatures": {"href": f"{href}/signatures"},
            "osdi:taggings": {"href": f"{href}/taggings"},
            "osdi:attendances": {"href": f"{href}/attendances"},
        },
    }


def changes_from(person: dict) -> people.PersonChanges:
    """The fields a client may set, from an OSDI person object."""
    if not isinstance(person, dict):
        raise ApiError(400, "person must be an object")
    changes = people.PersonChanges(
        first_name=_text(person, "given_name"), last_name=_text(person, "family_name")
    )
    addresses = person.get("postal_addresses")
    if addresses is not None:
        first = _first_object(addresses, "postal_addresses")
        if first is not None:
            changes.postcode = _text(first, "postal_code")
            changes.city = _text(first, "locality")
    languages = person.get("languages_spoken")
    if languages is not None:
        if not isinstance(languages, list) or not all(isinstance(v, str) for v in languages):
            raise ApiError(400, "languages_spoken must be a list of language codes")
        if languages:
            changes.locale = languages[0].strip().lower()
    return changes


def email_from(person: dict) -> tuple[str, bool]:
    """The primary (else first) email address and whether it asks to be subscribed."""
    addresses = person.get("email_addresses")
    if not isinstance(addresses, list) or not addresses:
        raise ApiError(400, "person.email_addresses must list at least one address")
    if not all(isinstance(a, dict) for a in addresses):
        raise ApiError(400, "each of person.email_addresses must be an object")
    chosen = next((a for a in addresses if a.get("primary") is True), addresses[0])
    address = chosen.get("address")
    if not isinstance(address, str):
        raise ApiError(400, "email_addresses[].address must be a string")
    return address, chosen.get("status") == "subscribed"


def _text(obj: dict, name: str) -> str | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string")
    return value.strip() if value is not None else None


def _first_object(items, name: str) -> dict | None:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(400, f"{name} must be a list of objects")
    return next((i for i in items if i.get("primary") is True), items[0] if items else None)


# What a person's document shows: selected as columns for lists, since building ORM objects
# for a hundred rows costs more than the rest of the page (see bench/api.py); the dates come
# formatted by the database.
PERSON_COLUMNS = [
    Supporter.id,
    Supporter.uuid,
    utc_iso(Supporter.created_at).label("created_at"),
    utc_iso(Supporter.updated_at).label("updated_at"),
    Supporter.first_name,
    Supporter.last_name,
    Supporter.email,
    Supporter.subscribed,
    Supporter.postcode,
    Supporter.city,
    Supporter.locale,
]


# The list without a filter, built once (see hal.paginate).
_EVERYONE = select(*PERSON_COLUMNS).where(Supporter.organization_id == bindparam("organization_id"))


@bp.get("/people")
def people_list():
    conditions = parse_filter(request.args.get("filter"), Supporter.updated_at)
    page = paginate(
        _EVERYONE.where(*conditions) if conditions else _EVERYONE,
        Supporter.id,
        columns=True,
        params={"organization_id": g.organization_id},
        built_once=not conditions,
    )
    base = base_url()
    items = [person_json(s, base) for s in page.rows]
    return hal_response(collection(page, "osdi:people", "api_v1.people_list", items))


@bp.get("/people/<person_id>")
def person(person_id: str):
    return hal_response(person_json(person_or_404(person_id)))


@bp.put("/people/<person_id>")
def update_person(person_id: str):
    supporter = person_or_404(person_id)
    changes = changes_from(json_body())
    try:
        people.update(supporter, changes)
    except people.PersonInvalid as exc:
        raise ApiError(400, str(exc)) from None
    return hal_response(person_json(supporter))


@bp.post("/people/person_signup_helper")
def person_signup_helper():
    body = json_body()
    person = body.get("person")
    if not isinstance(person, dict):
        raise ApiError(400, "the body must hold a person object")
    email, subscribe = email_from(person)
    try:
        supporter, created = people.signup(
            g.organization_id, email, changes_from(person), subscribe
        )
    except people.PersonInvalid as exc:
        raise ApiError(400, str(exc)) from None
    headers = {"Location": person_json(supporter)["_links"]["self"]["href"]}
    return hal_response(person_json(supporter), 201 if created else 200, headers)
