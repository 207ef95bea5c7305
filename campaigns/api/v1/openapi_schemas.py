"""The components of the OpenAPI document: security schemes, shared responses, schemas."""

from __future__ import annotations

from campaigns.models import WEBHOOK_EVENTS

HAL = "application/hal+json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _collection(rel: str, item: str) -> dict:
    return {
        "type": "object",
        "required": ["total_pages", "per_page", "page", "total_records", "_links", "_embedded"],
        "properties": {
            "total_pages": {"type": "integer"},
            "per_page": {"type": "integer"},
            "page": {"type": "integer"},
            "total_records": {"type": "integer"},
            "_links": {
                "type": "object",
                "properties": {
                    "self": ref("Link"),
                    "next": ref("Link"),
                    "prev": ref("Link"),
                    rel: {"type": "array", "items": ref("Link")},
                },
            },
            "_embedded": {
                "type": "object",
                "properties": {rel: {"type": "array", "items": ref(item)}},
            },
        },
    }


def components() -> dict:
    return {
        "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "OSDI-API-Token"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
        "responses": {
            name: {
                "description": description,
                "content": {HAL: {"schema": ref("Error")}},
                **(
                    {"headers": {"Retry-After": {"schema": {"type": "integer"}}}}
                    if name == "TooManyRequests"
                    else {}
                ),
            }
            for name, description in [
                ("BadRequest", "The request cannot be read"),
                ("Unauthorized", "No valid API key"),
                ("Forbidden", "A read key tried to write"),
                ("NotFound", "Not found in this key's organization"),
                ("Conflict", "The petition is not open for signatures"),
                ("TooManyRequests", "Over the key's rate limit"),
            ]
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "Link": {
                "type": "object",
                "required": ["href"],
                "properties": {"href": {"type": "string"}},
            },
            "Identifiers": {
                "type": "array",
                "items": {"type": "string", "pattern": "^campaigns:"},
            },
            "EntryPoint": {
                "type": "object",
                "required": ["_links"],
                "properties": {
                    "motd": {"type": "string"},
                    "max_pagesize": {"type": "integer"},
                    "_links": {
                        "type": "object",
                        "required": [
                            "osdi:people",
                            "osdi:petitions",
                            "osdi:person_signup_helper",
                            "osdi:tags",
                            "osdi:events",
                        ],
                    },
                },
            },
            "Person": {
                "type": "object",
                "required": ["identifiers", "created_date", "modified_date", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "given_name": {"type": "string"},
                    "family_name": {"type": "string"},
                    "email_addresses": {"type": "array"},
                    "postal_addresses": {"type": "array"},
                    "languages_spoken": {"type": "array", "items": {"type": "string"}},
                    "custom_fields": {"type": "object"},
                    "_links": {"type": "object"},
                },
            },
            "Petition": {
                "type": "object",
                "required": ["identifiers", "title", "total_signatures", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "browser_url": {"type": "string"},
                    "status": {"type": "string", "enum": ["draft", "live", "closed"]},
                    "total_signatures": {"type": "integer"},
                    "_links": {"type": "object"},
                },
            },
            "Signature": {
                "type": "object",
                "required": ["identifiers", "created_date", "modified_date", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "comments": {"type": "string"},
                    "confirmed": {"type": "boolean"},
                    "referrer_data": {"type": "object"},
                    "_links": {"type": "object"},
                },
            },
            "Tag": {
                "type": "object",
                "required": ["identifiers", "created_date", "modified_date", "name", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "name": {"type": "string"},
                    "_links": {"type": "object"},
                },
            },
            "Tagging": {
                "type": "object",
                "required": ["identifiers", "created_date", "modified_date", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "item_type": {"type": "string", "enum": ["osdi:person"]},
                    "_links": {"type": "object"},
                },
            },
            "Notice": {
                "type": "object",
                "required": ["notice"],
                "properties": {"notice": {"type": "string"}},
            },
            "Shift": {
                "type": "object",
                "required": ["identifiers", "start_date", "end_date", "capacity"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "start_date": {"type": "string", "format": "date-time"},
                    "end_date": {"type": "string", "format": "date-time"},
                    "location": {
                        "type": "object",
                        "properties": {"venue": {"type": "string"}},
                    },
                    "online_url": {"type": ["string", "null"]},
                    "capacity": {"type": "integer"},
                    "total_accepted": {"type": "integer"},
                },
            },
            "Event": {
                "type": "object",
                "required": ["identifiers", "title", "campaigns:shifts", "_links"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "browser_url": {"type": "string"},
                    "status": {"type": "string", "enum": ["draft", "live", "closed"]},
                    "start_date": {"type": ["string", "null"], "format": "date-time"},
                    "end_date": {"type": ["string", "null"], "format": "date-time"},
                    "capacity": {"type": "integer"},
                    "total_accepted": {"type": "integer"},
                    "campaigns:shifts": {"type": "array", "items": ref("Shift")},
                    "_links": {"type": "object"},
                },
            },
            "Attendance": {
                "type": "object",
                "required": ["identifiers", "created_date", "modified_date", "status"],
                "properties": {
                    "identifiers": ref("Identifiers"),
                    "created_date": {"type": "string", "format": "date-time"},
                    "modified_date": {"type": "string", "format": "date-time"},
                    "status": {"type": "string", "enum": ["accepted", "tentative", "declined"]},
                    "campaigns:status": {
                        "type": "string",
                        "enum": ["attending", "waitlisted", "cancelled"],
                    },
                    "campaigns:shift": {"type": "object"},
                    "_links": {"type": "object"},
                },
            },
            "People": _collection("osdi:people", "Person"),
            "Tags": _collection("osdi:tags", "Tag"),
            "Taggings": _collection("osdi:taggings", "Tagging"),
            "Events": _collection("osdi:events", "Event"),
            "Attendances": _collection("osdi:attendances", "Attendance"),
            "Petitions": _collection("osdi:petitions", "Petition"),
            "Signatures": _collection("osdi:signatures", "Signature"),
            "WebhookEvent": {
                "type": "object",
                "required": ["id", "event", "created_date", "data"],
                "properties": {
                    "id": {"type": "string"},
                    "event": {"type": "string", "enum": [*WEBHOOK_EVENTS, "ping"]},
                    "created_date": {"type": "string", "format": "date-time"},
                    "data": {"type": "object"},
                },
            },
        },
    }
