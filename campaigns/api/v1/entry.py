"""The API entry point: what this server offers, as links an OSDI client follows."""

from __future__ import annotations

from flask import g

from campaigns.api.v1 import bp
from campaigns.api.v1.hal import CURIES, hal_response, link
from campaigns.api.v1.openapi import document
from campaigns.extensions import db
from campaigns.models import Organization


@bp.get("/")
def entry_point():
    organization = db.session.get(Organization, g.organization_id)
    return hal_response(
        {
            "motd": f"campaigns OSDI API for {organization.name}",
            "vendor_name": "campaigns",
            "product_name": "campaigns",
            "osdi_version": "1.1",
            "max_pagesize": 100,
            "namespace": "campaigns",
            "_links": {
                "self": link("api_v1.entry_point"),
                "curies": CURIES,
                "osdi:people": link("api_v1.people_list"),
                "osdi:petitions": link("api_v1.petitions"),
                "osdi:person_signup_helper": link("api_v1.person_signup_helper"),
                "osdi:tags": link("api_v1.tags"),
                "osdi:events": link("api_v1.events"),
                "docs": {"href": "https://opensupporter.github.io/osdi-docs/"},
                "openapi": link("api_v1.openapi"),
            },
        }
    )


@bp.get("/openapi.json")
def openapi():

    return hal_response(document(), headers={"Content-Type": "application/json"})
