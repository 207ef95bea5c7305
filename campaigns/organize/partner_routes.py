"""Coalition partners: a campaign's Partners page for its host, and the Co-sponsored page
where a partner organization sees its own figures."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.actions import authoring as campaign_service
from campaigns.models import SharingMode
from campaigns.organize import bp
from campaigns.organize.access import allowed, requires
from campaigns.organize.partner_forms import AddPartnerForm, PartnerSettingsForm
from campaigns.partners import admin as partner_admin


def _partners_url(campaign) -> str:
    return url_for("organize.campaign_partners", org=g.organization.slug, campaign_id=campaign.id)


def _render(campaign, form, status: int = 200):
    return (
        render_template(
            "organize/partners.html",
            campaign=campaign,
            rows=partner_admin.partners_of(campaign),
            form=form,
            script_url=partner_admin.script_url(),
            can_edit=allowed(g.membership.role, "edit_campaigns"),
        ),
        status,
    )


@bp.get("/<org>/campaigns/<int:campaign_id>/partners")
@requires("view")
def campaign_partners(campaign_id: int):
    campaign = campaign_service.campaign_of(g.organization, campaign_id)
    return _render(campaign, AddPartnerForm())


@bp.post("/<org>/campaigns/<int:campaign_id>/partners")
@requires("edit_campaigns")
def add_partner(campaign_id: int):
    campaign = campaign_service.campaign_of(g.organization, campaign_id)
    form = AddPartnerForm()
    if form.validate_on_submit():
        try:
            partner_admin.add_partner(
                campaign,
                form.organization.data,
                SharingMode(form.sharing.data),
                form.cap.data,
                form.source.data or "",
                current_user,
            )
        except partner_admin.PartnerError as exc:
            form.organization.errors.append(str(exc))
        else:
            flash(
                "Partner added. Its box appears on the forms once it accepts on its "
                "Co-sponsored page.",
                "success",
            )
            return redirect(_partners_url(campaign))
    return _render(campaign, form, status=422)


@bp.route(
    "/<org>/campaigns/<int:campaign_id>/partners/<int:partner_id>/edit", methods=["GET", "POST"]
)
@requires("edit_campaigns")
def edit_partner(campaign_id: int, partner_id: int):
    campaign = campaign_service.campaign_of(g.organization, campaign_id)
    partner = partner_admin.partner_of(campaign, partner_id)
    form = PartnerSettingsForm(obj=partner)
    if request.method == "GET":
        form.sharing.data = partner.sharing.value
    if form.validate_on_submit():
        try:
            partner_admin.update_partner(
                partner,
                SharingMode(form.sharing.data),
                form.cap.data,
                form.source.data or "",
                current_user,
            )
        except partner_admin.PartnerError as exc:
            form.source.errors.append(str(exc))
        else:
            flash("Partner saved.", "success")
            return redirect(_partners_url(campaign))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "organize/partner_form.html", campaign=campaign, partner=partner, form=form
        ),
        status,
    )


@bp.post("/<org>/campaigns/<int:campaign_id>/partners/<int:partner_id>/remove")
@requires("edit_campaigns")
def remove_partner(campaign_id: int, partner_id: int):
    campaign = campaign_service.campaign_of(g.organization, campaign_id)
    partner = partner_admin.partner_of(campaign, partner_id)
    withdrawn = partner_admin.remove_partner(partner, current_user)
    flash(
        f"Partner removed. {withdrawn} opt-in{'s' if withdrawn != 1 else ''} not yet shared "
        "will not be; people already shared stay on the partner's list.",
        "success",
    )
    return redirect(_partners_url(campaign))


@bp.get("/<org>/co-sponsored")
@requires("view")
def co_sponsored():
    """Campaigns this organization co-sponsors, with its own figures only, and the ones it
    has been asked to co-sponsor."""
    return render_template(
        "organize/co_sponsored.html",
        items=partner_admin.co_sponsored(g.organization),
        script_url=partner_admin.script_url(),
        can_answer=allowed(g.membership.role, "edit_campaigns"),
    )


@bp.post("/<org>/co-sponsored/<int:partner_id>/accept")
@requires("edit_campaigns")
def accept_partnership(partner_id: int):
    partner = partner_admin.invitation_of(g.organization, partner_id)
    partner_admin.accept_partnership(partner, current_user)
    flash(
        f"Accepted. “{partner.campaign.title}” now offers people a place on your list.",
        "success",
    )
    return redirect(url_for("organize.co_sponsored", org=g.organization.slug))


@bp.post("/<org>/co-sponsored/<int:partner_id>/decline")
@requires("edit_campaigns")
def decline_partnership(partner_id: int):
    partner = partner_admin.invitation_of(g.organization, partner_id)
    title = partner.campaign.title
    partner_admin.decline_partnership(partner, current_user)
    flash(f"You no longer co-sponsor “{title}”.", "success")
    return redirect(url_for("organize.co_sponsored", org=g.organization.slug))
