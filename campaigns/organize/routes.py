"""Organizer pages: log in, campaigns and their petitions, the outbox."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from campaigns.accounts import logins
from campaigns.accounts import staff as accounts
from campaigns.actions import authoring as campaign_service
from campaigns.directories import admin as directory_admin
from campaigns.directories.importing import ImportErrors
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Campaign, OutboxEmail
from campaigns.organize import bp, sessions
from campaigns.organize.access import requires
from campaigns.organize.action_routes import edit_other_action
from campaigns.organize.forms import (
    CampaignForm,
    DirectoryForm,
    DirectoryUploadForm,
    LoginForm,
    PetitionForm,
)
from campaigns.organize.letter_routes import edit_letter
from campaigns.organize.pages import (
    campaign_url,
    can,
    content_locales,
    form_page,
    next_url,
    slug_free,
)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("organize.home"))
    form = LoginForm()
    status = 200 if request.method == "GET" else 401
    if form.validate_on_submit():
        try:
            user = logins.check_password(form.email.data, form.password.data)
        except logins.LoginRefused as exc:
            form.password.errors.append(str(exc))
            status = exc.status
        else:
            if user.has_two_factor:
                # Password right, code owed: the session holds that, and no one is logged in.
                sessions.await_code(user, next_url())
                return redirect(url_for("organize.login_code"))
            sessions.start(user, "password")
            return redirect(next_url() or url_for("organize.home"))
    return render_template("organize/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("organize.login"))


@bp.get("/")
@login_required
def home():
    memberships = accounts.memberships(current_user)
    if len(memberships) == 1:
        return redirect(url_for("organize.campaigns", org=memberships[0].organization.slug))
    return render_template("organize/home.html", memberships=memberships)


@bp.get("/<org>/")
@requires("view")
def campaigns():
    items = campaign_service.campaigns_of(g.organization)
    return render_template(
        "organize/campaigns.html", campaigns=items, can_edit=can("edit_campaigns")
    )


@bp.route("/<org>/campaigns/new", methods=["GET", "POST"])
@requires("edit_campaigns")
def new_campaign():
    form = CampaignForm()
    if form.validate_on_submit() and slug_free(form.slug, Campaign):
        campaign = campaign_service.create_campaign(
            g.organization,
            title=form.title.data.strip(),
            description=form.description.data or "",
            goal=form.goal.data,
            slug=form.slug.data or "",
        )
        flash("Campaign created as a draft. Add a petition, then publish it.", "success")
        return redirect(campaign_url(campaign))
    return form_page("organize/campaign_form.html", form=form, campaign=None)


@bp.get("/<org>/campaigns/<int:campaign_id>")
@requires("view")
def campaign(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    return render_template(
        "organize/campaign.html",
        campaign=item,
        counts=campaign_service.campaign_counts(item),
        can_edit=can("edit_campaigns"),
    )


@bp.route("/<org>/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("edit_campaigns")
def edit_campaign(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    form = CampaignForm(obj=item)
    if form.validate_on_submit() and slug_free(form.slug, Campaign, item.id):
        campaign_service.update_campaign(
            item,
            title=form.title.data.strip(),
            description=form.description.data or "",
            goal=form.goal.data,
            slug=form.slug.data or "",
        )
        flash("Campaign saved.", "success")
        return redirect(campaign_url(item))
    return form_page("organize/campaign_form.html", form=form, campaign=item)


@bp.post("/<org>/campaigns/<int:campaign_id>/publish")
@requires("edit_campaigns")
def publish_campaign(campaign_id: int):
    return _transition(campaign_id, campaign_service.publish, "Campaign is live.")


@bp.post("/<org>/campaigns/<int:campaign_id>/close")
@requires("edit_campaigns")
def close_campaign(campaign_id: int):
    return _transition(campaign_id, campaign_service.close, "Campaign closed.")


@bp.route("/<org>/campaigns/<int:campaign_id>/petitions/new", methods=["GET", "POST"])
@requires("edit_campaigns")
def new_petition(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    form = PetitionForm()
    if request.method == "GET":
        form.goal.data = item.goal
    return _save_petition(item, form, petition=None)


@bp.route("/<org>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@requires("edit_campaigns")
def edit_action(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    if action.kind == ActionKind.petition:
        return _edit_petition(action)
    if action.kind == ActionKind.letter:
        return edit_letter(action)

    return edit_other_action(action)


def _edit_petition(petition):
    form = PetitionForm(obj=petition)
    if request.method == "GET":
        for t in petition.translations:
            getattr(form, f"title_{t.locale}").data = t.title
            getattr(form, f"body_{t.locale}").data = t.body
    return _save_petition(petition.campaign, form, petition=petition)


@bp.route("/<org>/directories", methods=["GET", "POST"])
@requires("edit_campaigns")
def directories():
    form = DirectoryForm()
    if form.validate_on_submit():
        directory = directory_admin.create_directory(g.organization, form.name.data)
        flash("Directory created. Upload its targets and postcodes.", "success")
        return redirect(
            url_for("organize.directory", org=g.organization.slug, directory_id=directory.id)
        )
    return form_page(
        "organize/directories.html",
        form=form,
        summaries=directory_admin.directories_with_counts(g.organization),
    )


@bp.route("/<org>/directories/<int:directory_id>", methods=["GET", "POST"])
@requires("edit_campaigns")
def directory(directory_id: int):

    item = directory_admin.directory_of(g.organization, directory_id)
    form = DirectoryUploadForm()
    import_errors = None
    if form.validate_on_submit():
        try:
            result = directory_admin.import_upload(
                item, form.kind.data, form.file_format.data, form.file.data
            )
        except ImportErrors as exc:
            import_errors = exc
        else:
            flash(
                f"Imported: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
                "success",
            )
            return redirect(request.path)
    summary = next(
        s
        for s in directory_admin.directories_with_counts(g.organization)
        if s.directory.id == item.id
    )
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "organize/directory.html", form=form, summary=summary, import_errors=import_errors
        ),
        status,
    )


@bp.get("/<org>/outbox")
@requires("read_outbox")
def outbox():
    page = max(request.args.get("page", 1, type=int), 1)
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.organization_id == g.organization.id)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=25, error_out=False)
    return render_template("organize/outbox.html", pagination=pagination)


@bp.get("/<org>/outbox/<int:email_id>")
@requires("read_outbox")
def outbox_email(email_id: int):
    email = db.session.get(OutboxEmail, email_id)
    if email is None or email.organization_id != g.organization.id:
        abort(404)
    return render_template("organize/outbox_email.html", email=email)


def _save_petition(campaign, form: PetitionForm, petition):

    exclude = petition.id if petition else None
    if form.validate_on_submit() and slug_free(form.slug, Action, exclude):
        contents = [
            campaign_service.PetitionContent(
                locale,
                getattr(form, f"title_{locale}").data or "",
                getattr(form, f"body_{locale}").data or "",
            )
            for locale in content_locales(form)
        ]
        campaign_service.save_petition(
            campaign,
            contents,
            goal=form.goal.data,
            requires_confirmation=form.requires_confirmation.data,
            asks_workplace=form.asks_workplace.data,
            show_recent_signers=form.show_recent_signers.data,
            slug=form.slug.data or "",
            petition=petition,
        )
        flash("Petition saved.", "success")
        return redirect(campaign_url(campaign))
    return form_page("organize/petition_form.html", form=form, campaign=campaign, petition=petition)


def _transition(campaign_id: int, change, message: str):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    try:
        change(item)
        flash(message, "success")
    except campaign_service.TransitionError as exc:
        flash(f"Not changed: {exc}.", "error")
    return redirect(campaign_url(item))
