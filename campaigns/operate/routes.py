"""The probes and the metrics; the work is in `campaigns.monitoring`."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from campaigns.monitoring import health, metrics
from campaigns.operate import bp


def _not_kept(response: Response) -> Response:
    # A probe's answer is about this moment: no proxy or load balancer may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """Alive: the process answers. Touches nothing else, so a database outage does not get
    every web process restarted by an orchestrator that only wanted to know it still runs."""
    return _not_kept(Response("ok\n", mimetype="text/plain"))


@bp.get("/readyz")
def readyz():
    """Ready: the database, Redis and migrations (and, once it exists, storage) answer. 503
    with the failing checks when not, so the load balancer sends requests elsewhere."""
    results = health.run(current_app._get_current_object())
    failed = [result.name for result in results if not result.ok]
    body = {
        "status": "failed" if failed else "ok",
        "checks": [result.as_json() for result in results],
    }
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    return _not_kept(response)


@bp.get("/metrics")
def metrics_page():
    app = current_app._get_current_object()
    status = metrics.refusal(app, request)
    if status == 401:
        response = Response("a metrics token is required\n", 401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _not_kept(response)
    if status is not None:
        # The same page as any unknown address: nothing says there is something here.
        abort(status)
    return _not_kept(Response(metrics.exposition(app), content_type=CONTENT_TYPE_LATEST))
