"""Organizer pages for signature integrity: a campaign's Integrity page (trends, fraudulent
signatures, bulk invalidation and restoring) and the owners' limits and lists."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.actions import authoring as campaign_service
from campaigns.core.redirects import safe_next
from campaigns.integrity import checks as integrity
from campaigns.integrity import held as held_submissions
from campaigns.integrity import review as integrity_review
from campaigns.models import ListKind, ListName
from campaigns.organize import bp
from campaigns.organize.access import allowed, fresh_required, requires
from campaigns.organize.forms import ListEntryForm, RateLimitForm


@bp.get("/<org>/campaigns/<int:campaign_id>/integrity")
@requires("view")
def integrity_page(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    return render_template(
        "organize/integrity.html",
        campaign=item,
        report=integrity_review.report(item),
        reasons=integrity.REASONS,
        can_edit=allowed(g.membership.role, "edit_campaigns"),
    )


def _back_to(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    return redirect(
        url_for("organize.integrity_page", org=g.organization.slug, campaign_id=action.campaign_id)
    )


@bp.post("/<org>/trends/<int:trend_id>/invalidate")
@requires("edit_campaigns")
@fresh_required()
def invalidate_trend(trend_id: int):
    trend = integrity_review.trend_of(g.organization, trend_id)
    n = integrity_review.invalidate_trend(g.organization, trend, current_user)
    flash(f"{n} signature{'s' if n != 1 else ''} marked fraudulent and taken out of the count.")
    return _back_to(trend.action_id)


@bp.post("/<org>/trends/<int:trend_id>/dismiss")
@requires("edit_campaigns")
def dismiss_trend(trend_id: int):
    trend = integrity_review.trend_of(g.organization, trend_id)
    integrity_review.dismiss_trend(g.organization, trend, current_user)
    flash("Trend dismissed; its signatures still count.", "success")
    return _back_to(trend.action_id)


@bp.post("/<org>/actions/<int:action_id>/restore")
@requires("edit_campaigns")
@fresh_required()
def restore_signatures(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    ids = [int(i) for i in request.form.getlist("submission_id") if i.isdigit()]
    reason = request.form.get("reason") or None
    if reason is not None and reason not in integrity.REASONS:
        abort(400)
    if not ids and request.form.get("all") != "1":
        abort(400)
    n = integrity_review.restore(
        g.organization, action, current_user, submission_ids=ids or None, reason=reason
    )
    flash(f"{n} signature{'s' if n != 1 else ''} restored and counted again.", "success")
    return _back_to(action.id)


@bp.route("/<org>/integrity", methods=["GET", "POST"])
@requires("manage_integrity")
def integrity_settings():
    limits = integrity.limits_of(g.organization.id)
    form = RateLimitForm(obj=limits)
    if form.validate_on_submit():
        values = {
            name: getattr(form, name).data
            for name in integrity_review.LIMIT_FIELDS
            if getattr(form, name).data is not None
        }
        integrity_review.save_limits(g.organization, current_user, values)
        flash("Limits saved.", "success")
        return redirect(url_for("organize.integrity_settings", org=g.organization.slug))
    return _settings_page(form, ListEntryForm())


def _settings_page(form, entry_form, status: int | None = None):
    if status is None:
        status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "organize/integrity_settings.html",
            form=form,
            entry_form=entry_form,
            entries=integrity_review.entries_of(g.organization),
            shipped=len(integrity.shipped_disposable_domains()),
        ),
        status,
    )


@bp.post("/<org>/integrity/entries")
@requires("manage_integrity")
@fresh_required()
def add_list_entry():
    entry_form = ListEntryForm()
    if entry_form.validate_on_submit():
        try:
            entry = integrity_review.add_entry(
                g.organization,
                current_user,
                ListKind(entry_form.kind.data),
                ListName(entry_form.list_name.data),
                entry_form.value.data,
                entry_form.note.data or "",
            )
        except integrity_review.ListEntryError as exc:
            entry_form.value.errors.append(str(exc))
        else:
            flash(f"{entry.value} added.", "success")
            return redirect(url_for("organize.integrity_settings", org=g.organization.slug))
    limits = integrity.limits_of(g.organization.id)
    return _settings_page(RateLimitForm(obj=limits, formdata=None), entry_form, status=422)


@bp.post("/<org>/integrity/entries/<int:entry_id>/remove")
@requires("manage_integrity")
@fresh_required()
def remove_list_entry(entry_id: int):
    integrity_review.remove_entry(g.organization, current_user, entry_id)
    flash("Removed from the list.", "success")
    return redirect(url_for("organize.integrity_settings", org=g.organization.slug))


@bp.post("/<org>/actions/<int:action_id>/held")
@requires("edit_campaigns")
@fresh_required()
def decide_held(action_id: int):
    """The dashboard's one-click review of an action's held submissions, all at once."""
    action = campaign_service.action_of(g.organization, action_id)
    decision = request.form.get("decision")
    if decision == "release":
        n = held_submissions.release(g.organization, action, current_user)
        flash(f"{n} held submission{'s' if n != 1 else ''} released and counted.", "success")
    elif decision == "fraudulent":
        n = held_submissions.mark_fraudulent(g.organization, action, current_user)
        flash(f"{n} held submission{'s' if n != 1 else ''} marked fraudulent.", "success")
    else:
        abort(400)
    back = safe_next(request.form.get("next"))
    return redirect(
        back or url_for("organize.action_dashboard", org=g.organization.slug, action_id=action.id)
    )
