"""Organizer pages of letter actions: writing one, and watching and steering its delivery."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from campaigns.actions import authoring as campaign_service
from campaigns.congress import client as cwc
from campaigns.congress import office_lists
from campaigns.letters import admin as letter_admin
from campaigns.letters import congress_check
from campaigns.letters import recovery as letter_recovery
from campaigns.letters.compose import settings_of, template_for
from campaigns.letters.review import reject_reviewed, release_reviewed
from campaigns.models import Action, ActionKind, MessageStatus
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.organize.letter_forms import LetterForm
from campaigns.organize.pages import campaign_url, can, content_locales, form_page, slug_free


@bp.route("/<org>/campaigns/<int:campaign_id>/letters/new", methods=["GET", "POST"])
@requires("edit_campaigns")
def new_letter(campaign_id: int):
    item = campaign_service.campaign_of(g.organization, campaign_id)
    return _save_letter(item, LetterForm(), letter=None)


def edit_letter(letter):

    form = LetterForm(obj=letter)
    if request.method == "GET":
        settings = settings_of(letter)
        form.editable.data = settings.editable
        form.directory_id.data = settings.directory_id or 0
        form.write_to_all_districts.data = settings.write_to_all_districts
        form.hourly_cap_per_target.data = settings.hourly_cap_per_target
        form.over_cap.data = settings.over_cap
        form.daily_limit_per_target.data = settings.daily_limit_per_target
        form.screen_words.data = settings.screen_words
        form.topics.data = [t for t in settings.topics.splitlines() if t]
        form.bills.data = settings.bills
        form.stance.data = settings.stance
        form.call_script.data = settings.call_script
        form.targets.data = letter_admin.format_targets(letter)
        if settings.fallback_target:
            form.fallback_name.data = settings.fallback_target.name
            form.fallback_email.data = settings.fallback_target.email
        for t in letter.translations:
            getattr(form, f"title_{t.locale}").data = t.title
            getattr(form, f"intro_{t.locale}").data = t.body
            template = template_for(letter, t.locale)
            if template is not None and template.locale == t.locale:
                getattr(form, f"subject_{t.locale}").data = template.subject
                getattr(form, f"body_{t.locale}").data = template.body
    return _save_letter(letter.campaign, form, letter=letter)


def _save_letter(campaign, form: LetterForm, letter):

    form.directory_id.choices = [SelectChoice(0, "(no directory)")] + [
        SelectChoice(d.id, d.name) for d in letter_admin.directories_of(g.organization.id)
    ]
    exclude = letter.id if letter else None
    if form.validate_on_submit() and slug_free(form.slug, Action, exclude):
        try:
            targets = letter_admin.parse_targets(form.targets.data or "")
            if form.targets_file.data:
                try:
                    targets += letter_admin.parse_targets_csv(form.targets_file.data.stream)
                except letter_admin.TargetListError as exc:
                    form.targets_file.errors.extend(exc.errors)
                    raise
        except letter_admin.TargetListError as exc:
            if not form.targets_file.errors:
                form.targets.errors.extend(exc.errors)
        else:
            fallback = None
            if form.fallback_email.data:
                fallback = letter_admin.FixedTarget(
                    form.fallback_name.data.strip(), "", form.fallback_email.data.strip()
                )
            contents = [
                letter_admin.LetterContent(
                    locale,
                    getattr(form, f"title_{locale}").data or "",
                    getattr(form, f"intro_{locale}").data or "",
                    getattr(form, f"subject_{locale}").data or "",
                    getattr(form, f"body_{locale}").data or "",
                )
                for locale in content_locales(form)
            ]
            letter_admin.save_letter(
                campaign,
                contents,
                targets,
                fallback=fallback,
                editable=form.editable.data,
                directory_id=form.directory_id.data or None,
                write_to_all_districts=form.write_to_all_districts.data,
                hourly_cap_per_target=form.hourly_cap_per_target.data,
                over_cap=form.over_cap.data,
                daily_limit_per_target=form.daily_limit_per_target.data or 1,
                screen_words=form.screen_words.data or "",
                congress=letter_admin.CongressOptions(
                    topics=list(form.topics.data or []),
                    bills=[
                        " ".join(b.lower().split())
                        for b in (form.bills.data or "").splitlines()
                        if b.strip()
                    ],
                    stance=form.stance.data or "",
                    call_script=(form.call_script.data or "").strip(),
                ),
                requires_confirmation=form.requires_confirmation.data,
                goal=form.goal.data,
                slug=form.slug.data or "",
                letter=letter,
            )
            flash("Letter saved.", "success")
            return redirect(campaign_url(campaign))
    return form_page("organize/letter_form.html", form=form, campaign=campaign, letter=letter)


@bp.get("/<org>/actions/<int:action_id>/delivery")
@requires("view")
def delivery(action_id: int):
    action = campaign_service.action_of(g.organization, action_id, ActionKind.letter)
    return render_template(
        "organize/delivery.html",
        action=action,
        report=letter_admin.delivery_report(action),
        congress=congress_check.reaches_congress(action),
        chambers=congress_check.chamber_statuses(),
        statuses=[s.value for s in MessageStatus],
        can_edit=can("edit_campaigns"),
        # Viewers see counts, never people: held letters carry their writers' names.
        can_see_people=can("read_supporters"),
    )


@bp.post("/<org>/actions/<int:action_id>/delivery/review")
@requires("edit_campaigns")
def review_held(action_id: int):

    action = campaign_service.action_of(g.organization, action_id)
    ids = [int(i) for i in request.form.getlist("message_id") if i.isdigit()] or None
    if request.form.get("decision") == "release":
        n = release_reviewed(action.id, ids)
        flash(f"{n} held letter{'s' if n != 1 else ''} released.", "success")
    elif request.form.get("decision") == "reject":
        n = reject_reviewed(action.id, ids)
        flash(f"{n} held letter{'s' if n != 1 else ''} rejected.", "success")
    else:
        abort(400)
    return redirect(url_for("organize.delivery", org=g.organization.slug, action_id=action.id))


@bp.post("/<org>/actions/<int:action_id>/delivery/retry")
@requires("edit_campaigns")
def retry_failed(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    target_id = request.form.get("target_id", type=int)
    n = letter_recovery.retry_failed(action.id, target_id)
    flash(f"{n} failed letter{'s' if n != 1 else ''} queued again.", "success")
    return redirect(url_for("organize.delivery", org=g.organization.slug, action_id=action.id))


@bp.post("/<org>/actions/<int:action_id>/delivery/validate")
@requires("edit_campaigns")
def validate_with_house(action_id: int):
    """The "Validate with the House" button: one sample document, checked, not delivered."""
    action = campaign_service.action_of(g.organization, action_id, ActionKind.letter)
    try:
        result = congress_check.validate_with_house(action)
    except (congress_check.NothingToValidate, cwc.CwcError) as exc:
        flash(f"Not validated: {exc}.", "error")
    else:
        if result.ok:
            flash(
                f"The House accepts this letter (checked for {result.office}).",
                "success",
            )
        else:
            flash(
                f"The House refuses this letter ({result.office}): {'; '.join(result.errors)}",
                "error",
            )
    return redirect(url_for("organize.delivery", org=g.organization.slug, action_id=action.id))


@bp.post("/<org>/actions/<int:action_id>/delivery/offices")
@requires("edit_campaigns")
def refresh_offices(action_id: int):
    """Fetch both chambers' lists of offices taking CWC messages now (daily otherwise)."""
    action = campaign_service.action_of(g.organization, action_id, ActionKind.letter)
    for chamber, outcome in office_lists.refresh_configured().items():
        if isinstance(outcome, int):
            flash(f"The {chamber}'s list: {outcome} offices take CWC messages.", "success")
        else:
            flash(f"The {chamber}'s list could not be fetched: {outcome}", "error")
    return redirect(url_for("organize.delivery", org=g.organization.slug, action_id=action.id))
