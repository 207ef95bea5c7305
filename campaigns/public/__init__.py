from flask import Blueprint

bp = Blueprint("public", __name__)

from campaigns.public import (  # noqa: E402,F401  (routes attach themselves to bp)
    confirm_routes,
    embed_routes,
    event_routes,
    filters,
    letter_routes,
    routes,
    table_routes,
)
