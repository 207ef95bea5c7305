"""Organizer pages of sign-up tables: opening one for an action, its link, revoking it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from campaigns.actions import authoring as campaign_service
from campaigns.integrity import tables
from campaigns.models import ActionKind, utcnow
from campaigns.organize import bp
from campaigns.organize.access import requires
from campaigns.urls import external_url


class TableForm(FlaskForm):
    name = StringField(
        "Where the table stands",
        validators=[DataRequired(), Length(max=100)],
        description="For example: Hall meeting, Picket at gate 3. Its sign-ups carry this name.",
    )
    hours = IntegerField(
        "Open for (hours)",
        default=8,
        validators=[DataRequired(), NumberRange(min=1, max=tables.MAX_HOURS)],
    )


def _action(action_id: int):
    action = campaign_service.action_of(g.organization, action_id)
    if action.kind == ActionKind.letter:
        flash("Letters have no sign-up tables: a letter needs its writer's own words.", "error")
        return None
    return action


@bp.route("/<org>/actions/<int:action_id>/tables", methods=["GET", "POST"])
@requires("edit_campaigns")
def signup_tables(action_id: int):
    action = _action(action_id)
    if action is None:
        return redirect(url_for("organize.campaigns", org=g.organization.slug))
    form = TableForm()
    if form.validate_on_submit():
        try:
            table = tables.open_table(
                g.organization, action, current_user, form.name.data, form.hours.data
            )
        except tables.TableError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Table “{table.name}” is open. Open its link on the device.", "success")
            return redirect(request.path + f"?opened={table.id}")
    opened = request.args.get("opened", type=int)
    rows = []
    now = utcnow()
    for table, signed in tables.tables_of(action):
        link = None
        if table.id == opened and table.is_open(now):
            link = external_url("public.table", slug=action.slug, token=tables.token_of(table))
        rows.append((table, signed, link, tables.qr_svg(link) if link else None))
    status = 422 if request.method == "POST" else 200
    return (
        render_template("organize/tables.html", action=action, form=form, rows=rows, now=now),
        status,
    )


@bp.post("/<org>/tables/<int:table_id>/revoke")
@requires("edit_campaigns")
def revoke_signup_table(table_id: int):
    table = tables.table_of(g.organization, table_id)
    tables.revoke(g.organization, table, current_user)
    flash(f"Table “{table.name}” is closed: its device can no longer sign anyone up.", "success")
    return redirect(
        url_for("organize.signup_tables", org=g.organization.slug, action_id=table.action_id)
    )
