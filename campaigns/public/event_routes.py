"""RSVP links from emails and the thank-you page: cancel a place, download a calendar file."""

from __future__ import annotations

from flask import Response, abort, render_template

from campaigns.core.tokens import CANCEL_RSVP, RSVP_CALENDAR
from campaigns.events import ical
from campaigns.events import rsvps as events
from campaigns.models import RsvpStatus
from campaigns.public import bp
from campaigns.public.forms import ConfirmForm
from campaigns.urls import external_url


def _rsvp_or_404(slug: str, purpose: str, token: str):
    row = events.rsvp_for_token(purpose, token)
    if row is None or row.shift.action.slug != slug:
        abort(404)
    return row


@bp.get("/a/<slug>/rsvp/<token>/cancel")
def cancel_rsvp(slug: str, token: str):
    # Opening the link only asks: mail scanners open links, and must not cancel anyone.
    row = _rsvp_or_404(slug, CANCEL_RSVP, token)
    return render_template(
        "public/cancel_rsvp.html", rsvp=row, action=row.shift.action, form=ConfirmForm()
    )


@bp.post("/a/<slug>/rsvp/<token>/cancel")
def cancel_rsvp_submit(slug: str, token: str):
    row = _rsvp_or_404(slug, CANCEL_RSVP, token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if row.status != RsvpStatus.cancelled:
        events.cancel(row)
    return render_template("public/cancel_rsvp.html", rsvp=row, action=row.shift.action, done=True)


@bp.get("/a/<slug>/rsvp/<token>/calendar.ics")
def rsvp_calendar(slug: str, token: str):
    row = _rsvp_or_404(slug, RSVP_CALENDAR, token)
    act = row.shift.action
    body = ical.rsvp_calendar(row, act.title, external_url("public.action", slug=act.slug))
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{act.slug}-{row.shift_id}.ics"'},
    )
