"""Emails about event RSVPs, rendered in the supporter's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, gettext

from campaigns.events import rsvps as events
from campaigns.mail import EmailMessage
from campaigns.models import ActionKind, Rsvp, Submission
from campaigns.submissions import signals
from campaigns.submissions.emails import unsubscribe_headers
from campaigns.urls import external_url


def rsvp_links(row: Rsvp) -> dict[str, str]:
    """Where a person cancels one RSVP and downloads its calendar file."""
    slug = row.shift.action.slug
    return {
        "cancel_url": external_url("public.cancel_rsvp", slug=slug, token=events.cancel_token(row)),
        "calendar_url": external_url(
            "public.rsvp_calendar", slug=slug, token=events.calendar_token(row)
        ),
    }


@signals.confirmation_context.connect
def rsvp_context(submission: Submission) -> dict | None:
    """The RSVPs an event's confirmation email lists, each with its cancel and calendar links."""
    if submission.action.kind != ActionKind.event:
        return None
    return {"rsvps": [(row, rsvp_links(row)) for row in events.rsvps_of_submission(submission.id)]}


def _email(row: Rsvp, template: str, subject_for) -> EmailMessage:
    submission = row.submission
    supporter = submission.supporter
    action = row.shift.action
    with force_locale(submission.locale or supporter.locale):
        content = action.content(submission.locale)
        title = content.title if content else action.slug
        context = {
            "supporter": supporter,
            "title": title,
            "shift": row.shift,
            "organization": action.campaign.organization,
            "action_url": external_url("public.action", slug=action.slug),
            **rsvp_links(row),
        }
        subject = subject_for(title)
        text = render_template(template, **context)
    return EmailMessage(
        to=supporter.email,
        to_name=f"{supporter.first_name} {supporter.last_name}".strip(),
        subject=subject,
        text=text,
        headers=unsubscribe_headers(supporter),
        organization_id=action.campaign.organization_id,
        tracking={"rsvp_id": str(row.id)},
    )


def reminder_email(row: Rsvp) -> EmailMessage:
    return _email(
        row,
        "email/event_reminder.txt",
        lambda title: gettext("Reminder: %(title)s is tomorrow", title=title),
    )


def promotion_email(row: Rsvp) -> EmailMessage:
    return _email(
        row,
        "email/event_promoted.txt",
        lambda title: gettext("A place opened up: you are in for %(title)s", title=title),
    )
