"""Organizer pages for owners: members and their roles, invitations, the audit log; and the
page where an invited person accepts."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.accounts import invitations, members
from campaigns.accounts.passwords import WeakPassword
from campaigns.core import audit
from campaigns.extensions import db
from campaigns.models import InvitationStatus, Membership, Role
from campaigns.organize import bp, sessions
from campaigns.organize.access import fresh_required, requires
from campaigns.organize.account_forms import AcceptInvitationForm, InviteForm, RoleForm

AUDIT_PAGE_SIZE = 50


@bp.get("/<org>/members")
@requires("manage_members")
def members_page():
    return _members_page(InviteForm())


@bp.post("/<org>/members/<int:membership_id>/role")
@requires("manage_members")
@fresh_required()
def change_role(membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        members.change_role(g.organization, membership_id, Role(form.role.data), current_user)
    except members.MemberError as exc:
        flash(str(exc), "error")
    else:
        flash("Role changed.", "success")
    if not _still_owner():
        return redirect(url_for("organize.home"))
    return redirect(_members_url())


@bp.post("/<org>/members/<int:membership_id>/remove")
@requires("manage_members")
@fresh_required()
def remove_member(membership_id: int):
    try:
        members.remove(g.organization, membership_id, current_user)
    except members.MemberError as exc:
        flash(str(exc), "error")
    else:
        flash("Removed from the organization.", "success")
    if not _still_owner():
        return redirect(url_for("organize.home"))
    return redirect(_members_url())


@bp.post("/<org>/invitations")
@requires("manage_members")
@fresh_required()
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite(
                g.organization, form.email.data, Role(form.role.data), current_user
            )
        except invitations.InvitationError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(_members_url())
    return _members_page(form, status=422)


@bp.post("/<org>/invitations/<int:invitation_id>/resend")
@requires("manage_members")
def resend_invitation(invitation_id: int):
    try:
        invitation = invitations.resend(g.organization, invitation_id, current_user)
    except invitations.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(f"A new link is on its way to {invitation.email}.", "success")
    return redirect(_members_url())


@bp.post("/<org>/invitations/<int:invitation_id>/revoke")
@requires("manage_members")
def revoke_invitation(invitation_id: int):
    invitations.revoke(g.organization, invitation_id, current_user)
    flash("Invitation revoked; its link no longer works.", "success")
    return redirect(_members_url())


@bp.get("/<org>/audit")
@requires("read_audit")
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = db.paginate(
        audit.organization_events(g.organization),
        page=page,
        per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
    return render_template("organize/audit.html", pagination=pagination, kinds=audit.KINDS)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Where the invitation link leads. A GET only shows the page (mail scanners open
    links); joining takes a press of the button."""
    invitation = invitations.by_token(token)
    if invitation is None or invitation.status != InvitationStatus.pending:
        return render_template("organize/invitation_invalid.html", invitation=invitation), 410
    existing = invitations.account_for(invitation)
    if existing is not None:
        return _accept_with_account(invitation)
    if current_user.is_authenticated:
        # Someone with another email is logged in: the page asks them to log out first.
        return render_template("organize/invitation.html", invitation=invitation, form=None)
    form = AcceptInvitationForm()
    form.rules_email = invitation.email
    if form.validate_on_submit():
        try:
            user = invitations.accept_as_new_user(
                invitation, form.name.data, form.new_password.data
            )
        except (invitations.InvitationError, WeakPassword) as exc:
            form.new_password.errors.append(str(exc))
        else:
            sessions.start(user, "invitation")
            flash(f"Welcome to {invitation.organization.name}.", "success")
            return redirect(url_for("organize.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("organize/invitation.html", invitation=invitation, form=form), status


def _accept_with_account(invitation):
    if not current_user.is_authenticated:
        return render_template(
            "organize/invitation.html",
            invitation=invitation,
            form=None,
            login_url=url_for("organize.login", next=request.path),
        )
    if request.method == "POST":
        try:
            invitations.accept_as(invitation, current_user)
        except invitations.InvitationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"You joined {invitation.organization.name}.", "success")
            return redirect(url_for("organize.campaigns", org=invitation.organization.slug))
    return render_template("organize/invitation.html", invitation=invitation, form=None)


def _members_page(invite_form: InviteForm, status: int = 200):
    return render_template(
        "organize/members.html",
        members=members.members_of(g.organization),
        invitations=invitations.pending(g.organization),
        invite_form=invite_form,
        roles=[role.value for role in Role],
    ), status


def _members_url() -> str:
    return url_for("organize.members_page", org=g.organization.slug)


def _still_owner() -> bool:
    db.session.expire_all()
    mine = db.session.get(Membership, g.membership.id)
    return mine is not None and mine.role == Role.owner
