"""The owners' page for the organization's retention policy."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from campaigns.organize import bp
from campaigns.organize.access import fresh_required, requires
from campaigns.organize.supporter_forms import RetentionForm
from campaigns.supporters import retention


@bp.get("/<org>/retention")
@requires("manage_retention")
def retention_page():
    return _page(RetentionForm(obj=retention.policy_of(g.organization)))


@bp.post("/<org>/retention")
@requires("manage_retention")
@fresh_required()
def save_retention():
    form = RetentionForm()
    if not form.validate_on_submit():
        return _page(form), 422
    retention.save(
        g.organization,
        current_user,
        form.unconfirmed_days.data,
        form.unsubscribed_days.data,
        form.ip_hash_days.data,
    )
    flash("Retention policy saved. It is applied once a day.", "success")
    return redirect(url_for("organize.retention_page", org=g.organization.slug))


def _page(form: RetentionForm):
    return render_template("organize/retention.html", form=form)
