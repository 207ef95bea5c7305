"""Organizer pages for pledges, events and stories: create and edit them, an event's roster
(on screen, printable, CSV), story moderation, and every action's embed code."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from campaigns.actions import authoring as campaign_service
from campaigns.actions import follows, stories, uploads
from campaigns.events import roster as event_roster
from campaigns.events import rsvps as events
from campaigns.models import Action, ActionKind, StoryStatus
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.organize.forms import (
    EventForm,
    PledgeForm,
    ShareImageForm,
    StoryActionForm,
    StoryEditForm,
    UpdateForm,
)
from campaigns.organize.pages import campaign_url, content_locales, slug_free
from campaigns.organize.tracking_forms import zone_choices, zone_names
from campaigns.urls import external_url

FORMS = {
    ActionKind.pledge: PledgeForm,
    ActionKind.event: EventForm,
    ActionKind.story: StoryActionForm,
}
NAMES = {ActionKind.pledge: "pledge", ActionKind.event: "event", ActionKind.story: "story"}


@bp.route("/<org>/campaigns/<int:campaign_id>/<kind>/new", methods=["GET", "POST"])
@requires("edit_campaigns")
def new_action(campaign_id: int, kind: str):
    if kind not in ("pledge", "event", "story"):
        abort(404)
    item = campaign_service.campaign_of(g.organization, campaign_id)
    form = FORMS[ActionKind(kind)]()
    if request.method == "GET":
        form.goal.data = item.goal if kind == "pledge" else None
    return save_action(item, form, None, ActionKind(kind))


def edit_other_action(action):
    """The edit page of a pledge, event or story (called by `organize.edit_action`)."""
    form = FORMS[action.kind](obj=action)
    if request.method == "GET":
        for t in action.translations:
            getattr(form, f"title_{t.locale}").data = t.title
            getattr(form, f"body_{t.locale}").data = t.body
        if action.kind == ActionKind.event:
            form.shifts.data = events.format_shift_lines(action)
    return save_action(action.campaign, form, action, action.kind)


def save_action(campaign, form, action, kind: ActionKind):

    exclude = action.id if action else None
    valid = form.validate_on_submit()
    shift_lines = []
    if kind == ActionKind.event:
        own = SelectChoice("", f"the organization's ({campaign.organization.timezone})")
        form.timezone.choices = {"Default": [own]} | zone_choices()
        if request.method == "GET" and action is not None:
            form.timezone.data = action.timezone or ""
        if form.timezone.data and form.timezone.data not in zone_names():
            form.timezone.errors = ["Pick a time zone from the list."]
            valid = False
    if valid and kind == ActionKind.event:
        zone = ZoneInfo(form.timezone.data or campaign.organization.timezone or "UTC")
        shift_lines, errors = events.parse_shift_lines(form.shifts.data or "", zone)
        if errors:
            form.shifts.errors = list(form.shifts.errors) + errors
            valid = False
    if valid and slug_free(form.slug, Action, exclude):
        contents = [
            campaign_service.PetitionContent(
                locale,
                getattr(form, f"title_{locale}").data or "",
                getattr(form, f"body_{locale}").data or "",
            )
            for locale in content_locales(form)
        ]
        saved = campaign_service.save_petition(
            campaign,
            contents,
            goal=form.goal.data,
            requires_confirmation=form.requires_confirmation.data,
            asks_workplace=form.asks_workplace.data,
            show_recent_signers=form.show_recent_signers.data
            if form.show_recent_signers
            else False,
            slug=form.slug.data or "",
            petition=action,
            kind=kind,
        )
        if kind == ActionKind.event:
            saved.timezone = form.timezone.data or None
            events.save_shifts(saved, shift_lines)
        flash(f"{NAMES[kind].capitalize()} saved.", "success")
        return redirect(campaign_url(campaign))
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "organize/action_form.html",
        form=form,
        campaign=campaign,
        action=action,
        kind_name=NAMES[kind],
    )
    return page, status


@bp.get("/<org>/actions/<int:action_id>/roster")
@requires("read_supporters")
def roster(action_id: int):
    action = campaign_service.action_of(g.organization, action_id, ActionKind.event)
    return render_template(
        "organize/roster.html", action=action, roster=event_roster.roster(action)
    )


@bp.get("/<org>/actions/<int:action_id>/roster.csv")
@requires("read_supporters")
def roster_csv(action_id: int):
    action = campaign_service.action_of(g.organization, action_id, ActionKind.event)
    return Response(
        # A roster is a few hundred rows: built whole, inside the request's app context.
        "".join(event_roster.roster_rows(action)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="roster-{action.slug}.csv"'},
    )


@bp.get("/<org>/actions/<int:action_id>/stories")
@requires("edit_campaigns")
def story_queue(action_id: int):
    action = campaign_service.action_of(g.organization, action_id, ActionKind.story)
    return render_template(
        "organize/stories.html",
        action=action,
        grouped=stories.stories_for_review(action),
        statuses=list(StoryStatus),
        form=StoryEditForm(),
    )


@bp.post("/<org>/actions/<int:action_id>/stories/<int:story_id>")
@requires("edit_campaigns")
def moderate_story(action_id: int, story_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    story = stories.story_of(action, story_id)
    form = StoryEditForm()
    if not form.validate_on_submit():
        flash("Not changed: the text to publish cannot be empty.", "error")
        grouped = stories.stories_for_review(action)
        page = render_template(
            "organize/stories.html",
            action=action,
            grouped=grouped,
            statuses=list(StoryStatus),
            form=form,
            failed_id=story.id,
        )
        return page, 422
    stories.moderate(story, form.decision.data, form.text.data)
    flash("Story approved." if form.decision.data == "approve" else "Story rejected.", "success")
    return redirect(url_for("organize.story_queue", org=g.organization.slug, action_id=action.id))


@bp.get("/<org>/actions/<int:action_id>/embed")
@requires("view")
def embed_code(action_id: int):

    action = campaign_service.action_of(g.organization, action_id)
    return _embed_page(action, ShareImageForm())


def _embed_page(action, image_form):
    source = (request.args.get("source") or "partner")[:64]
    return render_template(
        "organize/embed.html",
        action=action,
        source=source,
        frame_url=external_url("public.embed", slug=action.slug, source=source),
        script_url=external_url("static", filename="js/embed.js"),
        image_form=image_form,
    )


@bp.route("/<org>/campaigns/<int:campaign_id>/updates", methods=["GET", "POST"])
@requires("edit_campaigns")
def campaign_updates(campaign_id: int):
    from flask_login import current_user

    item = campaign_service.campaign_of(g.organization, campaign_id)
    form = UpdateForm()
    if form.validate_on_submit():
        follows.create_update(
            item,
            subject_en=form.subject_en.data.strip(),
            body_en=form.body_en.data.strip(),
            subject_es=(form.subject_es.data or "").strip(),
            body_es=(form.body_es.data or "").strip(),
            user_id=current_user.id,
        )
        flash("Update queued for every follower still subscribed.", "success")
        return redirect(request.path)
    page = render_template(
        "organize/updates.html",
        campaign=item,
        form=form,
        followers=follows.follower_count(item),
        updates=follows.updates_of(item),
    )
    return page, 422 if request.method == "POST" else 200


@bp.post("/<org>/actions/<int:action_id>/image")
@requires("edit_campaigns")
def share_image(action_id: int):

    action = campaign_service.action_of(g.organization, action_id)
    form = ShareImageForm()
    if form.validate_on_submit():
        try:
            uploads.save_share_image(action, form.image.data.stream)
        except uploads.UploadError as exc:
            form.image.errors.append(str(exc))
        else:
            flash("Share image saved.", "success")
            return redirect(
                url_for("organize.embed_code", org=g.organization.slug, action_id=action.id)
            )
    return _embed_page(action, form), 422
