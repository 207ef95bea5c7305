"""/metrics: who may read it, and what it says after requests and signatures."""

import pytest
import redis
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Submission
from campaigns.submissions.confirmation import confirm
from tests.factories import (
    from_new_address,
    make_campaign,
    make_letter,
    make_petition,
    signer_form,
)
from tests.monitoring.support import samples, value

TOKEN = "s3cret-metrics-token"
PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    assert "version=" in response.headers["Content-Type"]
    return samples(response.get_data(as_text=True))


def requests_of(found, group, method="GET", code="200") -> float:
    return value(found, "campaigns_http_requests_total", group=group, method=method, code=code)


def test_without_a_token_only_this_machine_may_read(client):
    """No METRICS_TOKEN: loopback only, and not through a proxy; nothing shows elsewhere."""
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=PUBLIC).status_code == 404
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        proxied = client.get("/metrics", headers={header: "203.0.113.9"})
        assert proxied.status_code == 404, header
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 404


def test_with_a_token_everyone_must_bring_it(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "campaigns_" not in refused.get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", headers=bearer).status_code == 200
    assert client.get("/metrics", headers=bearer, environ_base=PUBLIC).status_code == 200


def test_metrics_set_no_cookie_and_are_not_kept(client):
    response = client.get("/metrics")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_requests_are_counted_by_route_group(app, client):
    """Four groups by blueprint, whatever the URL: the series stay few."""
    with app.app_context():
        slug = make_petition().slug
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    client.get(f"/a/{slug}")
    client.get("/a/no-such-petition")
    client.get("/organize/login")
    client.get("/api/v1/")
    client.get("/no/such/page")
    after = scrape(client)

    def delta(group, code="200", method="GET"):
        return requests_of(after, group, method, code) - requests_of(before, group, method, code)

    # The first scrape is counted too: it is a request to the operators' routes ("other").
    assert delta("other") == 3 + 1
    assert delta("public") == 1
    assert delta("public", "404") == 1
    assert delta("organize") == 1
    assert delta("api", "401") == 1
    assert delta("other", "404") == 1
    count = "campaigns_http_request_duration_seconds_count"
    assert value(after, count, group="public") - value(before, count, group="public") == 2
    urls = [labels for (_, labels) in after if ("path", "/healthz") in labels]
    assert urls == []


@pytest.mark.both_databases
def test_signatures_and_queues_after_signing(app, client, csrf, run_jobs, backend):
    """Signed through the public form: waiting for the tally, then counted, then confirmed."""
    with app.app_context():
        slug = make_petition(requires_confirmation=True).slug
    before = scrape(client)
    for _ in range(2):
        data = {**signer_form(), "csrf_token": csrf(f"/a/{slug}")}
        assert client.post(f"/a/{slug}", data=data, **from_new_address()).status_code == 302
    found = scrape(client)
    assert (
        requests_of(found, "public", "POST", "302") - requests_of(before, "public", "POST", "302")
        == 2
    )
    assert value(found, "campaigns_signatures", state="untallied") == 2
    assert value(found, "campaigns_signatures", state="unconfirmed") == 0
    assert value(found, "campaigns_rq_queue_depth", queue="counts") >= 1
    assert value(found, "campaigns_metrics_source_up", source="database") == 1
    assert value(found, "campaigns_metrics_source_up", source="redis") == 1

    run_jobs(["counts"])
    found = scrape(client)
    assert value(found, "campaigns_signatures", state="untallied") == 0
    assert value(found, "campaigns_signatures", state="unconfirmed") == 2
    assert value(found, "campaigns_rq_queue_depth", queue="counts") == 0
    assert value(found, "campaigns_rq_workers") == 0  # the burst worker has left

    with app.app_context():
        confirm(db.session.scalars(select(Submission).order_by(Submission.id)).first())
    found = scrape(client)
    # Confirmed before the tally has folded the confirmation in: counted as confirmed already.
    assert value(found, "campaigns_signatures", state="confirmed") == 1
    assert value(found, "campaigns_signatures", state="unconfirmed") == 1
    states = ("untallied", "unconfirmed", "confirmed", "held", "fraudulent")
    assert sum(value(found, "campaigns_signatures", state=s) for s in states) == 2


@pytest.mark.both_databases
def test_letters_by_status(app, client, csrf, backend):
    with app.app_context():
        slug = make_letter(
            make_campaign(),
            targets=[
                ("Pat Boss", "CEO", "ceo@acme.example"),
                ("Lee Chief", "COO", "coo@acme.example"),
            ],
            requires_confirmation=True,
        ).slug
    data = {
        **signer_form(),
        "subject": "Please bargain, {target_name}",
        "body": "Dear {target_name},\nPlease.\n{supporter_name}",
        "csrf_token": csrf(f"/a/{slug}"),
    }
    assert client.post(f"/a/{slug}", data=data, **from_new_address()).status_code == 302
    found = scrape(client)
    assert value(found, "campaigns_letters", status="held") == 2
    assert value(found, "campaigns_letters", status="sent") == 0
    assert ("campaigns_letters", frozenset({("status", "sent")})) in found


def test_a_scrape_answers_when_redis_does_not(app, client):
    reachable = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0")
    try:
        found = scrape(client)
    finally:
        app.extensions["redis"] = reachable
    assert value(found, "campaigns_metrics_source_up", source="redis") == 0
    assert value(found, "campaigns_metrics_source_up", source="database") == 1
    assert ("campaigns_signatures", frozenset({("state", "untallied")})) in found
    assert not any(name.startswith("campaigns_rq_") for name, _ in found)


def test_made_up_methods_share_one_label(client):
    """Any token is a method name to HTTP: they are all "other", so no client adds series."""
    before = scrape(client)
    for made_up in ("BREW", "PROPFIND", "X-ANYTHING"):
        client.open("/healthz", method=made_up)
    after = scrape(client)
    labels = {"group": "other", "method": "other", "code": "405"}
    name = "campaigns_http_requests_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 3
    assert not any(("method", "BREW") in seen for _, seen in after)
