"""Embedded action forms: `/embed/a/<slug>` in an iframe on a partner's site.

A partner's page is another site, so inside its iframe our session cookie (SameSite=Lax) is
not sent with the form's POST, and the session-bound CSRF token could never validate. The
embed form carries its own token instead: signed with our secret, bound to the action, and
valid for a few hours. The POST route is exempt from CSRFProtect and checks that token, and
refuses a cross-site post (public.form_tokens, which the action page's own form uses too).

Why that is enough: CSRF protects a logged-in user's authority from being used by another
site. Nothing here acts on a session (the supporter is not logged in; the email address they
type is what identifies them, and confirmation goes to that mailbox), so what the token must
prove is only that the post came from a form we served for this action, recently — which
keeps out blind cross-site posts and replays of an old form.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from campaigns.actions import public as action_service
from campaigns.core import tokens
from campaigns.extensions import csrf
from campaigns.headers import embeddable
from campaigns.models import ActionKind
from campaigns.public import bp, form_tokens
from campaigns.public.routes import (
    _form_for,
    action_view,
    expired,
    form_class,
    rsvps_for_thanks,
    take_action,
)
from campaigns.submissions.action_refs import action_ref_or_404

EMBED_TOKEN_SECONDS = 4 * 3600
EMBEDDABLE_KINDS = (ActionKind.petition, ActionKind.pledge, ActionKind.event, ActionKind.story)


def embed_token(action_id: int) -> str:
    return form_tokens.make(action_id, tokens.EMBED_FORM)


def embed_token_valid(action_id: int, token: str) -> bool:
    return form_tokens.valid(action_id, token, tokens.EMBED_FORM, EMBED_TOKEN_SECONDS)


def partner_source() -> str:
    """Who embedded the form: `?source=` (or `partner=`) on the iframe's address."""
    return (request.values.get("source") or request.values.get("partner") or "embed")[:64]


def _render_embed(act, form, status: int = 200):
    view = action_view(act, form, partner_source())
    return (
        render_template(
            "public/embed.html",
            action=act,
            form=form,
            embed_token=embed_token(act.id),
            source=partner_source(),
            **view,
        ),
        status,
    )


@bp.get("/embed/a/<slug>")
@embeddable
def embed(slug: str):
    act = action_service.public_action_or_404(slug)
    if act.kind not in EMBEDDABLE_KINDS:
        return render_template("public/embed_unavailable.html", action=act), 404
    return _render_embed(act, _form_for(act))


@bp.post("/embed/a/<slug>")
@embeddable
@csrf.exempt  # Checked by the embed token instead: see this module's docstring.
def embed_submit(slug: str):
    ref = action_ref_or_404(slug)
    if form_tokens.cross_site(opaque_allowed=True):
        abort(403)
    if ref.kind not in EMBEDDABLE_KINDS:
        return redirect(url_for("public.embed", slug=slug))
    if not ref.is_live:
        act = action_service.public_action_or_404(slug)
        return _render_embed(act, _form_for(act), status=410)
    form = form_class(ref.kind, ref.asks_workplace)()
    if not embed_token_valid(ref.id, request.form.get("embed_token", "")):
        return expired(form, _render_embed, slug)
    return take_action(ref, form, _render_embed, "public.embed_thanks", source=partner_source())


@bp.get("/embed/a/<slug>/thanks")
@embeddable
def embed_thanks(slug: str):
    act = action_service.public_action_or_404(slug)
    signed = request.args.get("signed")
    if signed not in ("new", "again", "held"):
        return redirect(url_for("public.embed", slug=slug))
    return render_template(
        "public/embed_thanks.html",
        action=act,
        created=signed != "again",
        held=signed == "held",
        rsvps=rsvps_for_thanks(act),
    )
