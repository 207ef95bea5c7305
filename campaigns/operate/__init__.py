"""Endpoints for the machines that run the service: the load balancer's probes and Prometheus.

`/healthz` (alive), `/readyz` (ready to serve), `/metrics` (Prometheus, token or local only).
No sessions, no forms, no templates: the blueprint is exempt from CSRF in `create_app`.
"""

from flask import Blueprint

bp = Blueprint("operate", __name__)

from campaigns.operate import routes  # noqa: E402,F401  (routes attach themselves to bp)
