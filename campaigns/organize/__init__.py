from flask import Blueprint

bp = Blueprint("organize", __name__)

from campaigns.organize import (  # noqa: E402,F401
    account_routes,
    api_key_routes,
    member_routes,
    routes,  # noqa: E402,F401  (routes attach themselves to bp)
    webhook_routes,
)
