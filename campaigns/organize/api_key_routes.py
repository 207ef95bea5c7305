"""Owners' page for API keys: make one (its token shown once), see them, revoke one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from campaigns.accounts import api_keys as key_service
from campaigns.models import ApiScope
from campaigns.organize import bp
from campaigns.organize.access import fresh_required, requires


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=100)],
        description="What will use it, e.g. “Membership database sync”.",
    )
    scope = RadioField(
        "Access",
        choices=[
            SelectChoice(ApiScope.read.value, "Read: people, petitions and signatures"),
            SelectChoice(
                ApiScope.write.value, "Read and write: also add people and record signatures"
            ),
        ],
        default=ApiScope.read.value,
        validators=[DataRequired()],
    )


@bp.get("/<org>/api-keys")
@requires("manage_api")
def api_keys():
    return _page(ApiKeyForm())


@bp.post("/<org>/api-keys")
@requires("manage_api")
@fresh_required()
def create_api_key():
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        key, token = key_service.create(
            g.organization, form.name.data, ApiScope(form.scope.data), current_user
        )
    except key_service.ApiKeyError as exc:
        form.name.errors.append(str(exc))
        return _page(form, status=422)
    # Rendered, not flashed: a flash message would carry the token in the session cookie,
    # which is signed but not encrypted. This page is never cached (organizer pages are
    # no-store) and the token is not stored anywhere else.
    return _page(ApiKeyForm(formdata=None), new_key=key, token=token, status=201)


@bp.post("/<org>/api-keys/<int:key_id>/revoke")
@requires("manage_api")
@fresh_required()
def revoke_api_key(key_id: int):
    try:
        key = key_service.revoke(g.organization, key_id, current_user)
    except key_service.ApiKeyError:
        abort(404)  # another organization's key is no more findable than a missing one
    flash(f"Key “{key.name}” revoked; it no longer works.", "success")
    return redirect(url_for("organize.api_keys", org=g.organization.slug))


def _page(form: ApiKeyForm, new_key=None, token: str | None = None, status: int = 200):
    return render_template(
        "organize/api_keys.html",
        form=form,
        keys=key_service.keys_of(g.organization),
        new_key=new_key,
        token=token,
    ), status
