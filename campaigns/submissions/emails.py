"""The emails a supporter receives, rendered in the supporter's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, gettext

from campaigns.mail import EmailMessage
from campaigns.models import ActionKind, Submission, Supporter
from campaigns.submissions import signals
from campaigns.submissions.confirmation import confirmation_token
from campaigns.submissions.subscriptions import unsubscribe_token
from campaigns.urls import external_url


def unsubscribe_headers(supporter: Supporter) -> dict[str, str]:
    """One-click unsubscribe as mail clients expect it (RFC 2369 and RFC 8058)."""
    url = external_url("public.unsubscribe", token=unsubscribe_token(supporter))
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def confirmation_email(submission: Submission) -> EmailMessage:
    supporter = submission.supporter
    action = submission.action
    with force_locale(submission.locale or supporter.locale):
        content = action.content(submission.locale)
        context = {
            "supporter": supporter,
            "action": action,
            "title": content.title if content else action.slug,
            "organization": action.campaign.organization,
            "confirm_url": external_url(
                "public.confirm", slug=action.slug, token=confirmation_token(submission)
            ),
            "action_url": external_url("public.action", slug=action.slug),
            "unsubscribe_url": external_url(
                "public.unsubscribe", token=unsubscribe_token(supporter)
            ),
        }
        # What the action's own feature adds (an event's RSVPs, with their links).
        for _, extra in signals.confirmation_context.send(submission):
            context.update(extra or {})
        if action.kind == ActionKind.letter:
            subject = gettext("Confirm to send your letter: %(title)s", title=context["title"])
        elif action.kind == ActionKind.pledge:
            subject = gettext("Please confirm your pledge: %(title)s", title=context["title"])
        elif action.kind == ActionKind.event:
            subject = gettext("Your RSVP: %(title)s", title=context["title"])
        elif action.kind == ActionKind.story:
            subject = gettext("Please confirm your story: %(title)s", title=context["title"])
        else:
            subject = gettext("Please confirm your signature: %(title)s", title=context["title"])
        text = render_template("email/confirm_signature.txt", **context)
        html = render_template("email/confirm_signature.html", **context)
    return EmailMessage(
        to=supporter.email,
        to_name=f"{supporter.first_name} {supporter.last_name}".strip(),
        subject=subject,
        text=text,
        html=html,
        headers=unsubscribe_headers(supporter),
        organization_id=action.campaign.organization_id,
        tracking={"submission_id": str(submission.id)},
    )
