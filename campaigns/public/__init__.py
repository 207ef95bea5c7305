from flask import Blueprint

bp = Blueprint("public", __name__)

# Routes attach themselves to bp.
from campaigns.public import (
    embed_routes,  # noqa: E402,F401
    event_routes,  # noqa: E402,F401
    routes,  # noqa: E402,F401
)
