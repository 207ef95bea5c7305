"""Who may do what in an organization. Every organizer page goes through `requires`;
sensitive actions also through `fresh_required`."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user, login_required

from campaigns.accounts.staff import is_owner_anywhere, membership
from campaigns.models import Role
from campaigns.organize import sessions

# Roles are not a ladder: staff export lists but do not write campaigns.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": frozenset(Role),
    "edit_campaigns": frozenset({Role.owner, Role.organizer}),
    "read_outbox": frozenset({Role.owner, Role.organizer, Role.staff}),
    "manage_members": frozenset({Role.owner}),
    "read_audit": frozenset({Role.owner}),
    # Supporters' personal data (the supporter list, an event's roster): organizers see who
    # took their actions; staff and owners also tag, export and import. Viewers see counts
    # only, never people.
    "read_supporters": frozenset({Role.owner, Role.organizer, Role.staff}),
    "manage_supporters": frozenset({Role.owner, Role.staff}),
    # How long people are kept is the organization's decision: owners make it.
    "manage_retention": frozenset({Role.owner}),
    # Rate limits and block lists decide whose signatures count: owners only.
    "manage_integrity": frozenset({Role.owner}),
    # API keys open the organization's supporter list to another system.
    "manage_api": frozenset({Role.owner}),
}
# Pages an owner can still reach before setting up two-factor when REQUIRE_OWNER_2FA is on:
# enough to set it up, or to leave.
WITHOUT_TWO_FACTOR = frozenset(
    {
        "organize.login",
        "organize.login_code",
        "organize.logout",
        "organize.reauth",
        "organize.account",
        "organize.two_factor",
        "organize.accept_invitation",
    }
)


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


def fresh_required(max_age_minutes=None):
    """Ask for the password (and code) again when it was last entered longer ago than
    `max_age_minutes` (REAUTH_MINUTES by default), as GitHub's "sudo mode" does.

    A stolen or unattended session then cannot export lists, erase people or change who
    has access. Use as `@fresh_required()` or `@fresh_required(max_age_minutes=5)`.
    """
    if callable(max_age_minutes):
        return fresh_required()(max_age_minutes)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            minutes = max_age_minutes or current_app.config["REAUTH_MINUTES"]
            age = sessions.auth_age()
            if age is None or age > minutes * 60:
                flash("For your security, enter your password again to continue.", "info")
                return redirect(url_for("organize.reauth", next=_return_to()))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _return_to() -> str:
    """Where to go once the password is confirmed: this page, or for a form post the page
    the form was on (the post itself is not replayed; the person submits it again)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("organize.home")


def require_owner_two_factor():
    """Before each organizer request: with REQUIRE_OWNER_2FA, send an owner without
    two-factor to set it up."""
    if not current_app.config["REQUIRE_OWNER_2FA"] or not current_user.is_authenticated:
        return None
    if current_user.has_two_factor or request.endpoint in WITHOUT_TWO_FACTOR:
        return None
    if not is_owner_anywhere(current_user):
        return None
    flash("Owners must use two-factor here. Set it up to continue.", "info")
    return redirect(url_for("organize.two_factor"))
