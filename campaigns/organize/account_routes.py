"""Organizer pages for one's own account: the login code, re-entering the password, the
account page with its login history, two-factor and password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campaigns.accounts import logins, two_factor
from campaigns.accounts import staff as accounts
from campaigns.core import audit
from campaigns.core.ip import request_ip_hash
from campaigns.organize import bp, sessions
from campaigns.organize.access import fresh_required, require_owner_two_factor
from campaigns.organize.account_forms import CodeForm, EnrolForm, PasswordChangeForm, ReauthForm
from campaigns.organize.pages import next_url

bp.before_request(sessions.expire_stale_session)
bp.before_request(require_owner_two_factor)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of a login: the person gave the right password and owes a code."""
    if current_user.is_authenticated:
        return redirect(url_for("organize.home"))
    state = sessions.pending()
    if state is None:
        flash("Log in again: the time to enter a code ran out.", "info")
        return redirect(url_for("organize.login"))
    user, next_url = state
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            method = logins.check_code(user, form.code.data)
        except logins.LoginRefused as exc:
            form.code.errors.append(str(exc))
            status = exc.status
        else:
            sessions.start(user, f"password+{method}")
            if method == "recovery_code":
                left = two_factor.remaining_recovery_codes(user)
                flash(f"You used a recovery code; {left} left. Make new ones if few are.", "info")
            return redirect(next_url or url_for("organize.home"))
    elif request.method == "POST":
        status = 422
    return render_template("organize/login_code.html", form=form), status


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth():
    """Enter the password (and code) again before a sensitive action."""
    form = ReauthForm()
    status = 200
    if form.validate_on_submit():
        status = _reauthenticate(form)
        if status is None:
            sessions.mark_fresh()
            logins.record_reauthentication(current_user)
            return redirect(next_url() or url_for("organize.home"))
    elif request.method == "POST":
        status = 422
    return render_template("organize/reauth.html", form=form), status


def _reauthenticate(form: ReauthForm) -> int | None:
    """Check the password and, with two-factor, the code; None when both are right, else
    the response status with the message on the field."""
    try:
        logins.check_password(current_user.email, form.password.data, step="reauth")
    except logins.LoginRefused as exc:
        form.password.errors.append(str(exc))
        return exc.status
    if not current_user.has_two_factor:
        return None
    if not form.code.data:
        form.code.errors.append("Enter the code from your app as well.")
        return 422
    try:
        logins.check_code(current_user, form.code.data, step="reauth")
    except logins.LoginRefused as exc:
        form.code.errors.append(str(exc))
        return exc.status
    return None


@bp.get("/account")
@login_required
def account():
    return _account_page(PasswordChangeForm())


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    form.rules_email = current_user.email
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            accounts.change_password(current_user, form.new_password.data)
            sessions.mark_fresh()
            flash("Password changed.", "success")
            return redirect(url_for("organize.account"))
    return _account_page(form, status=422)


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@fresh_required()
def set_up_two_factor():
    """Set up two-factor, or move it to a new phone: scan, then confirm with a code."""
    form = EnrolForm()
    secret = two_factor.pending_secret(current_user)
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(current_user, form.code.data)
        except two_factor.CodeRefused as exc:
            form.code.errors.append(str(exc))
            secret = two_factor.pending_secret(current_user)
            status = 422
        else:
            # Shown in this response only: never stored readable, never in a redirect.
            return render_template("organize/recovery_codes.html", codes=codes, just_enabled=True)
    elif request.method == "POST":
        status = 422
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template(
        "organize/two_factor.html",
        form=form,
        uri=uri,
        secret=secret,
        grouped=two_factor.totp.grouped(secret),
        qr=two_factor.qr_svg(uri),
    ), status


@bp.post("/account/two-factor/disable")
@fresh_required()
def disable_two_factor():
    if not current_user.has_two_factor:
        return redirect(url_for("organize.account"))
    if current_app.config["REQUIRE_OWNER_2FA"] and accounts.is_owner_anywhere(current_user):
        flash("Owners must use two-factor here; set up a new phone instead.", "error")
        return redirect(url_for("organize.account"))
    two_factor.disable(current_user)
    flash("Two-factor is off. Your password alone now opens this account.", "success")
    return redirect(url_for("organize.account"))


@bp.post("/account/recovery-codes")
@fresh_required()
def new_recovery_codes():
    if not current_user.has_two_factor:
        return redirect(url_for("organize.account"))
    codes = two_factor.new_recovery_codes(current_user)
    return render_template("organize/recovery_codes.html", codes=codes, just_enabled=False)


def _account_page(password_form: PasswordChangeForm, status: int = 200):
    return render_template(
        "organize/account.html",
        password_form=password_form,
        history=audit.login_history(current_user),
        current_ip_hash=request_ip_hash(),
        recovery_left=(
            two_factor.remaining_recovery_codes(current_user) if current_user.has_two_factor else 0
        ),
        memberships=accounts.memberships(current_user),
    ), status
