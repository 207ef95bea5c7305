"""Endpoints for machines rather than people: provider webhooks.

No sessions and no CSRF tokens here; each request proves where it comes from by a signature.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from campaigns.api import routes  # noqa: E402,F401  (routes attach themselves to bp)
