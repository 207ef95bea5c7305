"""A directory's district boundaries: uploading the GeoJSON the sources page maps from."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.directories import admin as directory_admin
from campaigns.directories.boundaries import BoundaryErrors
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.organize.forms import BoundaryUploadForm
from campaigns.tracking import district_maps


@bp.route("/<org>/directories/<int:directory_id>/boundaries", methods=["GET", "POST"])
@requires("edit_campaigns")
def boundaries(directory_id: int):
    directory = directory_admin.directory_of(g.organization, directory_id)
    form = BoundaryUploadForm()
    errors = None
    if form.validate_on_submit():
        try:
            item = district_maps.save(
                g.organization,
                directory,
                form.file.data.stream,
                form.key_property.data,
                current_user,
            )
        except BoundaryErrors as exc:
            errors = exc
        else:
            flash(
                f"Boundaries saved: {len(item.shapes):,} districts from the "
                f'"{item.key_property}" property, {item.points:,} points kept of '
                f"{item.source_points:,}.",
                "success",
            )
            return redirect(request.path)
    item = district_maps.map_of(directory)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "organize/boundaries.html",
            directory=directory,
            form=form,
            errors=errors,
            item=item,
            preview=district_maps.preview(item, f"Districts ({directory.name})") if item else None,
            coverage=district_maps.coverage(directory, item) if item else None,
        ),
        status,
    )


@bp.post("/<org>/directories/<int:directory_id>/boundaries/delete")
@requires("edit_campaigns")
def delete_boundaries(directory_id: int):
    directory = directory_admin.directory_of(g.organization, directory_id)
    if district_maps.delete(g.organization, directory, current_user):
        flash("Boundaries removed: the sources page shows no map for this directory.", "success")
    return redirect(
        url_for("organize.boundaries", org=g.organization.slug, directory_id=directory.id)
    )
