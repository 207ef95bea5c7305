"""The suppression list page: addresses the organization must never email."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from campaigns.mail import suppressions
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.organize.supporter_forms import SuppressionForm


@bp.route("/<org>/suppressions", methods=["GET", "POST"])
@requires("manage_supporters")
def suppressions_page():
    form = SuppressionForm()
    status = 200
    if form.validate_on_submit():
        if suppressions.add(g.organization, current_user, form.email.data, form.reason.data):
            flash("Added. No email from us will reach that address.", "success")
        else:
            flash("That address was on the list already.", "info")
        return redirect(url_for("organize.suppressions_page", org=g.organization.slug))
    if form.errors:
        status = 422
    return render_template(
        "organize/suppressions.html", form=form, entries=suppressions.entries(g.organization)
    ), status


@bp.post("/<org>/suppressions/<int:suppression_id>/remove")
@requires("manage_supporters")
def remove_suppression(suppression_id: int):
    if not suppressions.remove(g.organization, current_user, suppression_id):
        abort(404)
    flash("Removed from the suppression list.", "success")
    return redirect(url_for("organize.suppressions_page", org=g.organization.slug))
