"""After the email: confirming a submission from its link, and unsubscribing.

Opening a confirmation link only shows a page (link scanners open every link); its button,
a POST, confirms. Unsubscribing takes RFC 8058's one-click POST from mail clients too.
"""

from __future__ import annotations

from flask import abort, render_template

from campaigns.actions import public as action_service
from campaigns.extensions import csrf
from campaigns.partners import offers as partners
from campaigns.public import bp
from campaigns.public.forms import ConfirmForm, UnsubscribeForm
from campaigns.submissions import confirmation, subscriptions


@bp.get("/a/<slug>/confirm/<token>")
def confirm(slug: str, token: str):
    submission = confirmation.submission_for_token(token)
    if submission is None or submission.action.slug != slug:
        return render_template("public/confirm_invalid.html"), 404
    return render_template(
        "public/confirm.html",
        submission=submission,
        action=submission.action,
        form=ConfirmForm(),
        partner_names=partners.pending_names(submission.id),
    )


@bp.post("/a/<slug>/confirm/<token>")
def confirm_submit(slug: str, token: str):
    submission = confirmation.submission_for_token(token)
    if submission is None or submission.action.slug != slug:
        return render_template("public/confirm_invalid.html"), 404
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    act = submission.action
    if submission.fraudulent and not submission.held_reason:
        # Its link cannot make it count. The page thanks without claiming it was confirmed,
        # which is true for a person and tells a bot nothing it could tune against.
        return render_template("public/confirm_received.html", action=act)
    confirmation.confirm(submission)
    return render_template(
        "public/confirmed.html", action=act, share=action_service.share_links(act)
    )


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str):
    supporter = subscriptions.supporter_for_token(token)
    if supporter is None:
        return render_template("public/unsubscribe.html", invalid=True), 404
    return render_template(
        "public/unsubscribe.html", supporter=supporter, form=UnsubscribeForm(), done=False
    )


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie or token.
def unsubscribe_submit(token: str):
    supporter = subscriptions.supporter_for_token(token)
    if supporter is None:
        return render_template("public/unsubscribe.html", invalid=True), 404
    subscriptions.unsubscribe(supporter)
    return render_template("public/unsubscribe.html", supporter=supporter, done=True)
