"""Who may do what in an organization. Every organizer page goes through `requires`."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from campaigns.models import Role
from campaigns.services.accounts import membership

# Roles are not a ladder: staff export lists but do not write campaigns.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": frozenset(Role),
    "edit_campaigns": frozenset({Role.owner, Role.organizer}),
    "read_outbox": frozenset({Role.owner, Role.organizer, Role.staff}),
}


def allowed(role: Role, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def requires(permission: str):
    """Load the organization named by `org` in the URL and check the user's role in it.

    Not a member: 404, so organizations cannot be discovered by guessing. A member
    without the permission: 403.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(org: str, **kwargs):
            member = membership(current_user, org)
            if member is None:
                abort(404)
            if not allowed(member.role, permission):
                abort(403)
            g.membership = member
            g.organization = member.organization
            return view(**kwargs)

        return wrapped

    return decorator
