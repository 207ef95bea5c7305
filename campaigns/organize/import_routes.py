"""Organizer pages for supporter imports: upload, map the columns, watch it run."""

from __future__ import annotations

from flask import abort, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.models import ImportStatus
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.organize.supporter_forms import ImportMappingForm, ImportUploadForm
from campaigns.supporters import imports


@bp.route("/<org>/imports", methods=["GET", "POST"])
@requires("manage_supporters")
def imports_page():
    form = ImportUploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = imports.upload(
                g.organization,
                current_user,
                upload.filename,
                upload.read(imports.MAX_BYTES + 1),
                form.source.data,
                form.consent.data,
            )
        except imports.ImportRefused as exc:
            form.file.errors.append(str(exc))
            status = 422
        else:
            return redirect(_import_url(record.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "organize/imports.html", form=form, imports=imports.recent(g.organization)
    ), status


@bp.route("/<org>/imports/<int:import_id>", methods=["GET", "POST"])
@requires("manage_supporters")
def import_page(import_id: int):
    record = imports.get(g.organization, import_id) or abort(404)
    form = ImportMappingForm()
    error = None
    if record.status == ImportStatus.uploaded and form.validate_on_submit():
        mapping = [request.form.get(f"column-{i}", "") for i in range(len(record.columns))]
        mapping = [field if field in imports.FIELDS else "" for field in mapping]
        try:
            imports.start(record, mapping, current_user)
        except imports.ImportRefused as exc:
            error = str(exc)
            record.mapping = mapping
        else:
            return redirect(_import_url(record.id))
    preview = imports.preview(record) if record.status == ImportStatus.uploaded else []
    return render_template(
        "organize/import.html",
        record=record,
        form=form,
        fields=imports.FIELDS,
        preview=preview,
        error=error,
    ), (422 if error else 200)


@bp.get("/<org>/imports/<int:import_id>/status")
@requires("manage_supporters")
def import_status(import_id: int):
    record = imports.get(g.organization, import_id) or abort(404)
    return jsonify(
        {
            "status": record.status.value,
            "rows_done": record.rows_done,
            "rows_total": record.rows_total,
            "percent": record.percent,
            "error": None,
            "download_url": None,
        }
    )


def _import_url(import_id: int) -> str:
    return url_for("organize.import_page", org=g.organization.slug, import_id=import_id)
