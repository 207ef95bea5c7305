"""The OpenAPI document matches the routes, and schemathesis finds no input that makes the
API fail: bad input is a 4xx with an OSDI error body, never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from campaigns.api.v1.openapi import document


def test_every_route_is_described(api_app):
    """Each /api/v1 route and method appears in the document, and nothing else does."""
    described = {
        (path, method.upper())
        for path, item in document()["paths"].items()
        for method in item
        if method != "parameters"
    }
    routed = set()
    for rule in api_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api_v1.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}") or "/"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method))
    assert described == routed


def test_the_document_is_served_without_a_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_json()["openapi"] == "3.1.0"


@pytest.fixture
def api_schema(api_app, api, petition_id):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_api_fail(case, api):
    """Whatever schemathesis sends: no 5xx; a 4xx says what was wrong in {"error": …}."""
    response = case.call(headers=api.headers())
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert isinstance(response.json().get("error"), str), response.text
    else:
        case.validate_response(response, checks=[response_schema_conformance])
