"""The OSDI 1.x API at /api/v1 (docs/api.md): HAL+JSON for other systems, by API key.

Every request names its key in `OSDI-API-Token` (as Action Network does) or
`Authorization: Bearer`; the key decides the organization, so a key never sees another
organization's rows. No cookies, so no CSRF tokens: the blueprint is exempt in `create_app`.
"""

from __future__ import annotations

from flask import Blueprint, g, request
from werkzeug.exceptions import HTTPException

from campaigns.accounts import api_keys
from campaigns.api.v1.hal import ApiError, error_response

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

# Readable without a key: the description of the API itself.
PUBLIC_ENDPOINTS = frozenset({"api_v1.openapi"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _token() -> str | None:
    token = request.headers.get("OSDI-API-Token")
    if token:
        return token.strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = _token()
    admission = api_keys.admit(token) if token else None
    if admission is None:
        response = error_response(401, "a valid API key is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="campaigns"'
        return response
    if admission.retry_after:
        response = error_response(429, "too many requests; slow down")
        response.headers["Retry-After"] = str(admission.retry_after)
        return response
    key = admission.key
    if request.method not in READ_METHODS and not key.can_write:
        return error_response(403, "this API key may only read")
    g.api_key = key
    g.organization_id = key.organization_id
    return None


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error.status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return error_response(error.code or 500, error.description or error.name)


from campaigns.api.v1 import entry, events, people, petitions, tags  # noqa: E402,F401
