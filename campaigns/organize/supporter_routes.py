"""Organizer pages for supporters: the filtered list, a person's page, tags, and exports."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from campaigns.core import storage
from campaigns.models import ExportStatus
from campaigns.organize import bp
from campaigns.organize.access import fresh_required, requires
from campaigns.organize.pages import can
from campaigns.organize.supporter_forms import EraseForm, ExportForm, FilterForm, TagForm
from campaigns.partners import admin as partner_admin
from campaigns.supporters import erasure, exports
from campaigns.supporters import lists as supporters
from campaigns.supporters.filters import SupporterFilter


def _filter() -> SupporterFilter:
    return SupporterFilter.from_dict(request.args)


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    campaigns = supporters.campaigns_and_actions(g.organization)
    form.campaign_id.choices = [SelectChoice("", "Any")] + [
        SelectChoice(str(c.id), c.title) for c in campaigns
    ]
    form.action_id.choices = [SelectChoice("", "Any")] + [
        SelectChoice(str(a.id), f"{c.title}: {a.title}") for c in campaigns for a in c.actions
    ]
    form.tag_id.choices = [SelectChoice("", "Any")] + [
        SelectChoice(str(t.id), t.name) for t in supporters.tags_of_organization(g.organization)
    ]
    form.partner_id.choices = [SelectChoice("", "Any")] + [
        SelectChoice(str(o.id), o.name) for o in partner_admin.partner_choices(g.organization)
    ]
    return form


def _person_url(supporter_id: int) -> str:
    return url_for("organize.supporter_page", org=g.organization.slug, supporter_id=supporter_id)


@bp.get("/<org>/supporters")
@requires("read_supporters")
def supporters_page():
    f = _filter()
    after = request.args.get("after", type=int)
    result = supporters.page(g.organization, f, after)
    next_args = {**request.args.to_dict(), "after": result.next_after}
    return render_template(
        "organize/supporters.html",
        form=_filter_form(),
        filter=f,
        result=result,
        next_args=next_args,
        filter_args=f.to_dict(),
        tag_form=TagForm(),
        can_manage=can("manage_supporters"),
    )


@bp.get("/<org>/supporters/<int:supporter_id>")
@requires("read_supporters")
def supporter_page(supporter_id: int):
    supporter = supporters.get(g.organization, supporter_id) or abort(404)
    return render_template(
        "organize/supporter.html",
        supporter=supporter,
        submissions=supporters.submissions_of(supporter),
        tags=supporters.tags_of(supporter),
        opt_ins=partner_admin.opt_ins_of(supporter.id),
        opt_ins_to_us=partner_admin.opt_ins_to(supporter.id),
        tag_form=TagForm(),
        erase_form=EraseForm(),
        can_manage=can("manage_supporters"),
    )


@bp.post("/<org>/supporters/<int:supporter_id>/erase")
@requires("manage_supporters")
@fresh_required()
def erase_supporter(supporter_id: int):
    """Erase a person on their request: gone from every list, counts corrected."""
    supporters.get(g.organization, supporter_id) or abort(404)
    form = EraseForm()
    if not form.validate_on_submit():
        flash("Tick the box to confirm the erasure.", "error")
        return redirect(_person_url(supporter_id))
    summary = erasure.erase(g.organization, supporter_id, current_user)
    flash(
        f"Erased, with {summary['submissions']} actions and {summary['messages']} letters.",
        "success",
    )
    return redirect(url_for("organize.supporters_page", org=g.organization.slug))


@bp.post("/<org>/supporters/<int:supporter_id>/tags")
@requires("manage_supporters")
def tag_supporter(supporter_id: int):
    supporter = supporters.get(g.organization, supporter_id) or abort(404)
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = supporters.add_tag(g.organization, supporter, form.name.data)
        except supporters.TagError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Tagged “{tag.name}”.", "success")
    else:
        flash("Give the tag a name of at most 60 characters.", "error")
    return redirect(_person_url(supporter.id))


@bp.post("/<org>/supporters/<int:supporter_id>/tags/<int:tag_id>/remove")
@requires("manage_supporters")
def untag_supporter(supporter_id: int, tag_id: int):
    supporter = supporters.get(g.organization, supporter_id) or abort(404)
    # CSRFProtect has checked the token already, as on every post.
    supporters.remove_tag(g.organization, supporter, tag_id)
    flash("Tag removed.", "success")
    return redirect(_person_url(supporter.id))


@bp.post("/<org>/supporters/tag")
@requires("manage_supporters")
def tag_filtered():
    """Tag everyone the filters in the query string pick (the list the person was looking at)."""
    f = _filter()
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag, added = supporters.tag_all(g.organization, f, form.name.data, current_user)
        except supporters.TagError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Tagged {added:,} more people “{tag.name}”.", "success")
    else:
        flash("Give the tag a name of at most 60 characters.", "error")
    return redirect(url_for("organize.supporters_page", org=g.organization.slug, **f.to_dict()))


@bp.get("/<org>/exports")
@requires("manage_supporters")
def exports_page():
    f = _filter()
    return render_template(
        "organize/exports.html",
        form=ExportForm(),
        filter=f,
        filter_args=f.to_dict(),
        exports=exports.recent(g.organization),
    )


@bp.post("/<org>/exports")
@requires("manage_supporters")
@fresh_required()
def new_export():
    f = _filter()
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        export = exports.request_export(g.organization, current_user, f, form.columns.data)
    except exports.ExportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("organize.exports_page", org=g.organization.slug, **f.to_dict()))
    return redirect(url_for("organize.export_page", org=g.organization.slug, export_id=export.id))


@bp.get("/<org>/exports/<int:export_id>")
@requires("manage_supporters")
def export_page(export_id: int):
    export = exports.get(g.organization, export_id) or abort(404)
    return render_template("organize/export.html", export=export, **_status(export))


@bp.get("/<org>/exports/<int:export_id>/status")
@requires("manage_supporters")
def export_status(export_id: int):
    """What the progress bar polls."""
    export = exports.get(g.organization, export_id) or abort(404)
    return jsonify(_status(export))


def _status(export) -> dict:
    done = export.status == ExportStatus.done
    return {
        "status": export.status.value,
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "percent": export.percent,
        "error": export.error,
        "download_url": url_for(
            "organize.download_export",
            org=g.organization.slug,
            export_id=export.id,
            token=exports.download_token(export),
        )
        if done
        else None,
    }


@bp.get("/<org>/exports/<int:export_id>/download/<token>")
@requires("manage_supporters")
@fresh_required()
def download_export(export_id: int, token: str):
    exports.get(g.organization, export_id) or abort(404)
    try:
        export = exports.file_for_download(g.organization, token)
    except exports.ExportError as exc:
        flash(str(exc), "error")
        return redirect(
            url_for("organize.export_page", org=g.organization.slug, export_id=export_id)
        )
    if export.id != export_id:
        # A genuine link to another export of ours, pasted onto this one's address.
        abort(404)
    try:
        response = storage.current().download(
            "exports",
            export.filename,
            mimetype="text/csv",
            as_attachment=True,
            download_name=f"supporters-{g.organization.slug}-{export.id}.csv",
            max_age=0,
        )
    except storage.Missing:
        flash("This export's file is gone. Make a new one.", "error")
        return redirect(
            url_for("organize.export_page", org=g.organization.slug, export_id=export_id)
        )
    exports.record_download(export, current_user)
    return response
