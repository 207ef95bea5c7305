"""An organization with API keys and a client that sends them, as another system would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from campaigns.accounts import api_keys
from campaigns.extensions import db
from campaigns.models import ApiScope, Organization
from tests.factories import make_campaign, make_organization, make_petition, make_user


@dataclass
class ApiClient:
    client: object
    token: str

    def headers(self, extra=None):
        return {"OSDI-API-Token": self.token, **(extra or {})}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)


def make_key(organization, scope=ApiScope.write, name="CRM sync"):
    owner = make_user(organization)
    key, token = api_keys.create(organization, name, scope, owner)
    return key, token


@pytest.fixture
def api_app(app):
    # Tests make many requests in a row; the limit has its own test.
    app.config["API_RATE_LIMIT"] = 0
    return app


@pytest.fixture
def org_id(api_app):
    with api_app.app_context():
        return make_organization(name="Local 42", slug="local-42").id


@pytest.fixture
def api(api_app, client, org_id):
    """A read-write key of Local 42."""
    with api_app.app_context():
        _, token = make_key(db.session.get(Organization, org_id))
    return ApiClient(client, token)


@pytest.fixture
def read_api(api_app, client, org_id):
    with api_app.app_context():
        _, token = make_key(db.session.get(Organization, org_id), ApiScope.read, "reporting")
    return ApiClient(client, token)


@pytest.fixture
def petition_id(api_app, org_id):
    """A live petition of Local 42 that counts signatures at once."""
    with api_app.app_context():
        campaign = make_campaign(organization=db.session.get(Organization, org_id))
        return make_petition(campaign).id


@pytest.fixture
def receiver():
    """A local HTTP server that records posts and answers 200."""
    from tests.api.webhooks_support import Receiver

    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def hook_app(api_app):
    api_app.config["WEBHOOK_ALLOW_HTTP_LOCALHOST"] = True
    return api_app
