"""Owners' page for webhooks: add an endpoint (its secret shown there), send a test, read
the delivery log, resume a paused endpoint, remove one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.models import WEBHOOK_EVENTS
from campaigns.organize import bp
from campaigns.organize.access import fresh_required, requires
from campaigns.webhooks import delivery as webhook_delivery
from campaigns.webhooks import endpoints as webhooks


class WebhookForm(FlaskForm):
    url = URLField(
        "Address",
        validators=[DataRequired(), Length(max=500)],
        description="An https:// address of the system that receives the events.",
    )
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(e, e) for e in WEBHOOK_EVENTS],
        default=list(WEBHOOK_EVENTS),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


@bp.get("/<org>/webhooks")
@requires("manage_api")
def webhooks_page():
    return _page(WebhookForm())


@bp.post("/<org>/webhooks")
@requires("manage_api")
@fresh_required()
def create_webhook():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            webhooks.create_endpoint(g.organization, form.url.data, form.events.data, current_user)
        except webhooks.WebhookError as exc:
            form.url.errors.append(str(exc))
        else:
            flash("Endpoint added. Check posts with the secret shown below.", "success")
            return redirect(_url())
    return _page(form, status=422)


@bp.post("/<org>/webhooks/<int:endpoint_id>/test")
@requires("manage_api")
def test_webhook(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    webhook_delivery.queue(webhooks.send_test(endpoint))
    flash("A test event is on its way; its result appears in the log below.", "success")
    return redirect(_url())


@bp.post("/<org>/webhooks/<int:endpoint_id>/resume")
@requires("manage_api")
def resume_webhook(endpoint_id: int):
    _endpoint_or_404(endpoint_id)
    webhooks.resume_endpoint(g.organization, endpoint_id)
    flash("Endpoint resumed.", "success")
    return redirect(_url())


@bp.post("/<org>/webhooks/<int:endpoint_id>/delete")
@requires("manage_api")
@fresh_required()
def delete_webhook(endpoint_id: int):
    _endpoint_or_404(endpoint_id)
    webhooks.delete_endpoint(g.organization, endpoint_id, current_user)
    flash("Endpoint removed.", "success")
    return redirect(_url())


def _endpoint_or_404(endpoint_id: int):
    """Another organization's endpoint is no more findable than a missing one."""
    try:
        return webhooks.endpoint_of(g.organization, endpoint_id)
    except webhooks.WebhookError:
        abort(404)


def _url() -> str:
    return url_for("organize.webhooks_page", org=g.organization.slug)


def _page(form: WebhookForm, status: int = 200):
    endpoints = webhooks.endpoints_of(g.organization)
    return render_template(
        "organize/webhooks.html",
        form=form,
        endpoints=endpoints,
        deliveries={e.id: webhooks.recent_deliveries(e) for e in endpoints},
    ), status
