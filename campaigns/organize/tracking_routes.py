"""The dashboard of a campaign or an action, its live figures, milestones and delivery."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.actions import authoring as campaign_service
from campaigns.core.redirects import safe_next
from campaigns.extensions import db
from campaigns.integrity import held as held_submissions
from campaigns.organize import bp
from campaigns.organize.access import allowed, fresh_required, requires
from campaigns.organize.tracking_forms import DeliveryForm, MilestoneForm, TimezoneForm
from campaigns.tracking import dashboard as tracking
from campaigns.tracking import district_maps, milestones, sources
from campaigns.tracking import petition_delivery as delivery_service


def _campaign_dashboard(item) -> tracking.Dashboard:
    actions = item.actions
    return tracking.dashboard(
        [a.id for a in actions],
        timezone=g.organization.timezone,
        goal=item.goal,
        confirmed_only=bool(actions) and all(a.requires_confirmation for a in actions),
        since=item.created_at,
    )


def _action_dashboard(action) -> tracking.Dashboard:
    return tracking.dashboard(
        [action.id],
        timezone=g.organization.timezone,
        goal=action.goal,
        confirmed_only=action.requires_confirmation,
        since=action.created_at,
    )


@bp.get("/<org>/campaigns/<int:campaign_id>/dashboard")
@requires("view")
def campaign_dashboard(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    return render_template(
        "organize/dashboard.html",
        campaign=item,
        action=None,
        dashboard=_campaign_dashboard(item),
        held=_held(item.actions),
        live_url=url_for(
            "organize.campaign_dashboard_json", org=g.organization.slug, campaign_id=item.id
        ),
        **_common(),
    )


@bp.get("/<org>/campaigns/<int:campaign_id>/dashboard.json")
@requires("view")
def campaign_dashboard_json(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    return jsonify(_campaign_dashboard(item).live())


@bp.get("/<org>/actions/<int:action_id>/dashboard")
@requires("view")
def action_dashboard(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    return render_template(
        "organize/dashboard.html",
        campaign=action.campaign,
        action=action,
        dashboard=_action_dashboard(action),
        held=_held([action]),
        milestones=milestones.of_action(action),
        milestone_form=MilestoneForm(),
        deliveries=delivery_service.deliveries_of(action),
        live_url=url_for(
            "organize.action_dashboard_json", org=g.organization.slug, action_id=action.id
        ),
        **_common(),
    )


@bp.get("/<org>/actions/<int:action_id>/dashboard.json")
@requires("view")
def action_dashboard_json(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    return jsonify(_action_dashboard(action).live())


# Sources and districts are GROUP BY queries over the submissions (see tracking.sources), a
# page of their own so the dashboard, read from the buckets alone, stays fast at any size.
@bp.get("/<org>/campaigns/<int:campaign_id>/sources")
@requires("view")
def campaign_sources(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    breakdowns = sources.breakdowns([a.id for a in item.actions])
    return render_template(
        "organize/sources.html",
        campaign=item,
        action=None,
        breakdowns=breakdowns,
        maps=district_maps.maps_for(breakdowns),
    )


@bp.get("/<org>/actions/<int:action_id>/sources")
@requires("view")
def action_sources(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    breakdowns = sources.breakdowns([action.id])
    return render_template(
        "organize/sources.html",
        campaign=action.campaign,
        action=action,
        breakdowns=breakdowns,
        maps=district_maps.maps_for(breakdowns),
    )


@bp.post("/<org>/actions/<int:action_id>/milestones")
@requires("edit_campaigns")
def add_milestone(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            milestone = milestones.add(
                action,
                form.value.data,
                percent=form.kind.data == "percent",
                announce=form.announce.data,
            )
        except milestones.MilestoneError as exc:
            flash(f"Milestone not added: {exc}.", "error")
        else:
            flash(f"Milestone added: {milestone.label()}.", "success")
    else:
        flash("Milestone not added: give a whole number of at least 1.", "error")
    return redirect(_action_url(action))


@bp.post("/<org>/actions/<int:action_id>/milestones/<int:milestone_id>/delete")
@requires("edit_campaigns")
def delete_milestone(action_id: int, milestone_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    if milestones.remove(action, milestone_id):
        flash("Milestone removed.", "success")
    return redirect(_action_url(action))


@bp.route("/<org>/actions/<int:action_id>/deliver", methods=["GET", "POST"])
@requires("edit_campaigns")
@fresh_required
def deliver_petition(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    form = DeliveryForm()
    targets = delivery_service.letter_targets(action)
    has_directory = bool(sources.directory_ids([action.id]))
    status = 200
    if form.validate_on_submit():
        try:
            recipients = delivery_service.parse_recipients(form.recipients.data or "") or targets
            delivery_service.request_delivery(
                action,
                recipients,
                fields=form.fields.data or [],
                protected=form.protected.data,
                group_by=form.group_by.data,
                min_group=form.min_group.data,
                message=form.message.data or "",
                requested_by=current_user,
            )
        except delivery_service.DeliveryError as exc:
            form.form_errors.append(f"Not sent: {exc}.")
            status = 422
        else:
            flash("The petition is on its way; its delivery is listed below.", "success")
            return redirect(_action_url(action))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "organize/deliver.html",
            action=action,
            form=form,
            targets=targets,
            has_directory=has_directory,
        ),
        status,
    )


@bp.post("/<org>/timezone")
@requires("edit_campaigns")
def set_timezone():
    form = TimezoneForm()
    if form.validate_on_submit():
        g.organization.timezone = form.timezone.data
        db.session.commit()
        flash(f"Days now start at midnight in {form.timezone.data}.", "success")
    else:
        flash("Time zone not changed: pick one from the list.", "error")
    target = safe_next(request.form.get("next"))
    return redirect(target or url_for("organize.campaigns", org=g.organization.slug))


def _held(actions) -> list[tuple]:
    """(action, how many held) for the actions with held submissions."""
    found = held_submissions.held_counts([a.id for a in actions])
    return [(a, found[a.id]) for a in actions if a.id in found]


def _common() -> dict:
    form = TimezoneForm(timezone=g.organization.timezone)
    return {
        "can_edit": allowed(g.membership.role, "edit_campaigns"),
        "timezone_form": form,
        "poll_seconds": current_app.config["DASHBOARD_POLL_SECONDS"],
    }


def _action_url(action) -> str:
    return url_for("organize.action_dashboard", org=g.organization.slug, action_id=action.id)
