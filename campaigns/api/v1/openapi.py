"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand as a dict next to the routes it describes; `tests/api/test_openapi.py`
checks that every route is described and runs schemathesis against it.
"""

from __future__ import annotations

from campaigns.api.v1.openapi_schemas import HAL, components, ref
from campaigns.models import WEBHOOK_EVENTS


def _ok(schema: str, description: str, extra: dict | None = None) -> dict:
    responses = {
        "200": {"description": description, "content": {HAL: {"schema": ref(schema)}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }
    responses.update(extra or {})
    return responses


def _id_param(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The uuid part of the {what}'s `campaigns:` identifier.",
        "schema": {"type": "string"},
    }


PAGING = [
    {
        "name": "page",
        "in": "query",
        "description": "Page number, from 1. Follow `_links.next` instead to page by cursor.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
    },
    {
        "name": "after",
        "in": "query",
        "description": "Opaque cursor; only ever taken from a `next` link.",
        "schema": {"type": "string"},
    },
    {
        "name": "filter",
        "in": "query",
        "description": "OData-style, e.g. `modified_date gt '2025-03-25'`; gt, lt, ge, le "
        "joined by `and`.",
        "schema": {"type": "string"},
    },
]
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
FORBIDDEN = {"403": {"$ref": "#/components/responses/Forbidden"}}


def _person_input(required_email: bool) -> dict:
    schema = {
        "type": "object",
        "properties": {
            "given_name": {"type": "string", "maxLength": 100},
            "family_name": {"type": "string", "maxLength": 100},
            "email_addresses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "address": {"type": "string"},
                        "primary": {"type": "boolean"},
                        "status": {"type": "string", "enum": ["subscribed", "unsubscribed"]},
                    },
                },
            },
            "postal_addresses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "postal_code": {"type": "string", "maxLength": 16},
                        "locality": {"type": "string", "maxLength": 100},
                        "primary": {"type": "boolean"},
                    },
                },
            },
            "languages_spoken": {"type": "array", "items": {"type": "string"}},
        },
    }
    if required_email:
        schema["required"] = ["email_addresses"]
    return schema


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campaigns OSDI API",
            "version": "1.0.0",
            "description": "People, petitions, signatures, tags, taggings, events and "
            "attendances of one organization, in OSDI 1.x "
            "HAL+JSON. Send the key in `OSDI-API-Token` or `Authorization: Bearer`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}, {"bearer": []}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "entryPoint",
                    "summary": "The entry point: links to the collections and helpers.",
                    "responses": _ok("EntryPoint", "The entry point"),
                }
            },
            "/people": {
                "get": {
                    "operationId": "listPeople",
                    "parameters": PAGING,
                    "responses": _ok("People", "A page of people"),
                }
            },
            "/people/{person_id}": {
                "parameters": [_id_param("person_id", "person")],
                "get": {
                    "operationId": "getPerson",
                    "responses": _ok("Person", "The person", NOT_FOUND),
                },
                "put": {
                    "operationId": "updatePerson",
                    "summary": "Change name, postal address and language (not the email).",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _person_input(False)}},
                    },
                    "responses": _ok("Person", "The person as changed", NOT_FOUND | FORBIDDEN),
                },
            },
            "/people/{person_id}/signatures": {
                "parameters": [_id_param("person_id", "person")],
                "get": {
                    "operationId": "listPersonSignatures",
                    "parameters": PAGING,
                    "responses": _ok("Signatures", "The person's signatures", NOT_FOUND),
                },
            },
            "/people/person_signup_helper": {
                "post": {
                    "operationId": "personSignupHelper",
                    "summary": "Create a person, or update the one with this email.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["person"],
                                    "properties": {"person": _person_input(True)},
                                }
                            }
                        },
                    },
                    "responses": _ok(
                        "Person",
                        "Matched an existing person",
                        {
                            "201": {
                                "description": "Created",
                                "content": {HAL: {"schema": ref("Person")}},
                            }
                        }
                        | FORBIDDEN,
                    ),
                }
            },
            "/petitions": {
                "get": {
                    "operationId": "listPetitions",
                    "parameters": PAGING,
                    "responses": _ok("Petitions", "A page of petitions"),
                }
            },
            "/petitions/{petition_id}": {
                "parameters": [_id_param("petition_id", "petition")],
                "get": {
                    "operationId": "getPetition",
                    "responses": _ok("Petition", "The petition", NOT_FOUND),
                },
            },
            "/petitions/{petition_id}/signatures": {
                "parameters": [_id_param("petition_id", "petition")],
                "get": {
                    "operationId": "listSignatures",
                    "parameters": PAGING,
                    "responses": _ok("Signatures", "A page of signatures", NOT_FOUND),
                },
            },
            "/petitions/{petition_id}/signatures/{signature_id}": {
                "parameters": [
                    _id_param("petition_id", "petition"),
                    _id_param("signature_id", "signature"),
                ],
                "get": {
                    "operationId": "getSignature",
                    "responses": _ok("Signature", "The signature", NOT_FOUND),
                },
            },
            "/petitions/{petition_id}/record_signature_helper": {
                "parameters": [_id_param("petition_id", "petition")],
                "post": {
                    "operationId": "recordSignatureHelper",
                    "summary": "Sign the petition as a person, matched or created by email.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["person"],
                                    "properties": {
                                        "person": _person_input(True),
                                        "comments": {"type": "string", "maxLength": 5000},
                                        "referrer_data": {
                                            "type": "object",
                                            "properties": {"source": {"type": "string"}},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": _ok(
                        "Signature",
                        "Already signed: the existing signature",
                        {
                            "201": {
                                "description": "Signed",
                                "content": {HAL: {"schema": ref("Signature")}},
                            },
                            "409": {"$ref": "#/components/responses/Conflict"},
                        }
                        | NOT_FOUND
                        | FORBIDDEN,
                    ),
                },
            },
            "/people/{person_id}/taggings": {
                "parameters": [_id_param("person_id", "person")],
                "get": {
                    "operationId": "listPersonTaggings",
                    "parameters": PAGING,
                    "responses": _ok("Taggings", "The person's taggings", NOT_FOUND),
                },
            },
            "/people/{person_id}/attendances": {
                "parameters": [_id_param("person_id", "person")],
                "get": {
                    "operationId": "listPersonAttendances",
                    "parameters": PAGING,
                    "responses": _ok("Attendances", "The person's RSVPs", NOT_FOUND),
                },
            },
            "/tags": {
                "get": {
                    "operationId": "listTags",
                    "parameters": PAGING,
                    "responses": _ok("Tags", "A page of tags"),
                },
                "post": {
                    "operationId": "createTag",
                    "summary": "Create a tag, or find the one with this name (in any case).",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string", "maxLength": 60}},
                                }
                            }
                        },
                    },
                    "responses": _ok(
                        "Tag",
                        "A tag of this name already existed",
                        {
                            "201": {
                                "description": "Created",
                                "content": {HAL: {"schema": ref("Tag")}},
                            }
                        }
                        | FORBIDDEN,
                    ),
                },
            },
            "/tags/{tag_id}": {
                "parameters": [_id_param("tag_id", "tag")],
                "get": {
                    "operationId": "getTag",
                    "responses": _ok("Tag", "The tag", NOT_FOUND),
                },
            },
            "/tags/{tag_id}/taggings": {
                "parameters": [_id_param("tag_id", "tag")],
                "get": {
                    "operationId": "listTaggings",
                    "parameters": PAGING,
                    "responses": _ok("Taggings", "The people with this tag", NOT_FOUND),
                },
                "post": {
                    "operationId": "createTagging",
                    "summary": "Tag a person, named by link (as Action Network) or identifier.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "_links": {
                                            "type": "object",
                                            "properties": {"osdi:person": ref("Link")},
                                        },
                                        "identifiers": ref("Identifiers"),
                                    },
                                }
                            }
                        },
                    },
                    "responses": _ok(
                        "Tagging",
                        "The person had the tag already",
                        {
                            "201": {
                                "description": "Tagged",
                                "content": {HAL: {"schema": ref("Tagging")}},
                            }
                        }
                        | NOT_FOUND
                        | FORBIDDEN,
                    ),
                },
            },
            "/tags/{tag_id}/taggings/{tagging_id}": {
                "parameters": [
                    _id_param("tag_id", "tag"),
                    {
                        "name": "tagging_id",
                        "in": "path",
                        "required": True,
                        "description": "The tagged person's uuid.",
                        "schema": {"type": "string"},
                    },
                ],
                "get": {
                    "operationId": "getTagging",
                    "responses": _ok("Tagging", "The tagging", NOT_FOUND),
                },
                "delete": {
                    "operationId": "deleteTagging",
                    "summary": "Take the tag off the person.",
                    "responses": _ok("Notice", "Untagged", NOT_FOUND | FORBIDDEN),
                },
            },
            "/events": {
                "get": {
                    "operationId": "listEvents",
                    "parameters": PAGING,
                    "responses": _ok("Events", "A page of events"),
                }
            },
            "/events/{event_id}": {
                "parameters": [_id_param("event_id", "event")],
                "get": {
                    "operationId": "getEvent",
                    "responses": _ok("Event", "The event", NOT_FOUND),
                },
            },
            "/events/{event_id}/attendances": {
                "parameters": [_id_param("event_id", "event")],
                "get": {
                    "operationId": "listAttendances",
                    "parameters": PAGING,
                    "responses": _ok("Attendances", "The event's RSVPs", NOT_FOUND),
                },
            },
            "/events/{event_id}/attendances/{attendance_id}": {
                "parameters": [
                    _id_param("event_id", "event"),
                    _id_param("attendance_id", "attendance"),
                ],
                "get": {
                    "operationId": "getAttendance",
                    "responses": _ok("Attendance", "The RSVP", NOT_FOUND),
                },
            },
        },
        "webhooks": {
            event: {
                "post": {
                    "summary": f"{event}, signed in Campaigns-Signature",
                    "requestBody": {
                        "content": {"application/json": {"schema": ref("WebhookEvent")}}
                    },
                    "responses": {"200": {"description": "Any 2xx acknowledges the event"}},
                }
            }
            for event in WEBHOOK_EVENTS
        },
        "components": components(),
    }
