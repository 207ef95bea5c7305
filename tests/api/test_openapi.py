"""The OpenAPI document matches the routes, and schemathesis finds no input that makes the
API fail: bad input is a 4xx with an OSDI error body, never a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
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


def test_no_input_makes_the_api_fail(api_app, api, petition_id):
    """Whatever schemathesis sends to each operation: no 5xx; a 4xx says what was wrong in
    {"error": …}; a success matches the document.

    The operations are walked here rather than through schemathesis's pytest plugin, whose
    hooks follow pytest's private internals from release to release.
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers=api.headers())
            calls.append(case.operation.label)
            assert response.status_code < 500, (case.operation.label, response.text)
            if response.status_code >= 400:
                assert isinstance(response.json().get("error"), str), response.text
            else:
                case.validate_response(response, checks=[response_schema_conformance])

        check()
    # Every operation was tried, most of them many times.
    assert set(calls) == {operation.label for operation in operations}
    assert len(calls) > 5 * len(operations)
