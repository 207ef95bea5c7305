from flask import Blueprint

bp = Blueprint("organize", __name__)

from campaigns.organize import (  # noqa: E402,F401
    account_routes,
    action_routes,
    api_key_routes,
    boundary_routes,
    import_routes,
    integrity_routes,
    letter_routes,
    member_routes,
    partner_routes,
    retention_routes,
    routes,  # noqa: E402,F401  (routes attach themselves to bp)
    supporter_routes,
    suppression_routes,
    table_routes,
    tracking_routes,
    webhook_routes,
)
