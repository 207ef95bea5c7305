"""The audit log: `record()` what was done with staff powers, list it for owners, prune it."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import selectinload

from campaigns.core.ip import request_ip_hash
from campaigns.extensions import db
from campaigns.models import AuditEvent, Membership, Organization, User, utcnow

# Kinds and how the audit page words them. A kind is a plain string in the database, so
# adding one needs no migration.
KINDS = {
    "login": "Logged in",
    "login_failed": "Failed login",
    "login_locked": "Account locked after failed logins",
    "address_throttled": "Address paused after failed logins",
    "reauthenticated": "Confirmed their password again",
    "password_changed": "Changed their password",
    "two_factor_enabled": "Turned on two-factor",
    "two_factor_disabled": "Turned off two-factor",
    "recovery_codes_created": "Made new recovery codes",
    "recovery_code_used": "Logged in with a recovery code",
    "invitation_created": "Invited",
    "invitation_resent": "Sent an invitation again",
    "invitation_revoked": "Revoked an invitation",
    "invitation_accepted": "Accepted an invitation",
    "role_changed": "Changed a role",
    "member_removed": "Removed a member",
    "export_requested": "Asked for a supporter export",
    "export_completed": "Supporter export finished",
    "export_downloaded": "Downloaded a supporter export",
    "supporters_tagged": "Tagged a filtered supporter list",
    "supporter_erased": "Erased a supporter on request",
    "import_started": "Started a supporter import",
    "import_completed": "Supporter import finished",
    "retention_changed": "Changed the retention policy",
    "retention_applied": "Retention policy erased old records",
    "suppression_added": "Added an address to the suppression list",
    "suppression_removed": "Removed an address from the suppression list",
    "signatures_invalidated": "Invalidated signatures",
    "signatures_restored": "Restored signatures",
    "held_released": "Released held submissions",
    "held_marked_fraudulent": "Marked held submissions fraudulent",
    "signup_table_opened": "Opened a sign-up table",
    "signup_table_revoked": "Revoked a sign-up table",
    "trend_dismissed": "Dismissed a trend",
    "rate_limits_changed": "Changed the rate limits",
    "list_entry_added": "Added to a block or allow list",
    "list_entry_removed": "Removed from a block or allow list",
    "api_key_created": "Created an API key",
    "api_key_revoked": "Revoked an API key",
    "webhook_created": "Added a webhook endpoint",
    "webhook_deleted": "Removed a webhook endpoint",
    "boundaries_uploaded": "Uploaded a directory's district boundaries",
    "boundaries_deleted": "Removed a directory's district boundaries",
    "partner_added": "Added a campaign partner",
    "partner_changed": "Changed a campaign partner's sharing",
    "partner_removed": "Removed a campaign partner",
    "partner_accepted": "Accepted co-sponsoring a campaign",
    "partner_declined": "Declined or left co-sponsoring a campaign",
}
LOGIN_KINDS = ("login", "login_failed", "login_locked")
USER_AGENT_MAX = 200


def record(
    kind: str,
    *,
    organization: Organization | None = None,
    actor: User | None = None,
    subject_user: User | None = None,
    subject: str = "",
    details: dict | None = None,
    with_user_agent: bool = False,
) -> AuditEvent:
    """Add an event to the session; the caller's commit keeps it with the change it records.

    The request's address is kept only as a keyed hash.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    details = dict(details or {})
    if with_user_agent and has_request_context():
        details["user_agent"] = (request.user_agent.string or "")[:USER_AGENT_MAX]
    event = AuditEvent(
        kind=kind,
        organization_id=organization.id if organization else None,
        actor_id=actor.id if actor else None,
        subject_user_id=subject_user.id if subject_user else None,
        subject=subject[:300],
        details=details,
        ip_hash=request_ip_hash(),
    )
    db.session.add(event)
    return event


def describe(user: User | None) -> str:
    """How a staff member is named in an event's subject: name and email, both staff data."""
    if user is None:
        return ""
    return f"{user.name} <{user.email}>" if user.name else user.email


def organization_events(organization: Organization):
    """A select of the events an organization's owners see, newest first.

    The organization's own events, and the account events (logins, two-factor) of its
    members from the time they joined: owners see a member's failed logins, not what
    happened on that account before it was theirs to watch.
    """
    member_since = exists().where(
        Membership.organization_id == organization.id,
        Membership.user_id == AuditEvent.subject_user_id,
        Membership.created_at <= AuditEvent.created_at,
    )
    return (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .where(
            or_(
                AuditEvent.organization_id == organization.id,
                and_(AuditEvent.organization_id.is_(None), member_since),
            )
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )


def login_history(user: User, limit: int = 20) -> list[AuditEvent]:
    """The latest logins, failed logins and lockouts of `user`'s account."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_user_id == user.id, AuditEvent.kind.in_(LOGIN_KINDS))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def prune(now=None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff))
    db.session.commit()
    return result.rowcount
