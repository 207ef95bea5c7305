"""A sign-up table's page: the action's form on a device an organizer opened for it.

Each person signs, is thanked without their name, and the next finds an empty form: the
form asks the browser not to remember what was typed, the page is never cached, and after
each post the device lands on a fresh page (post, redirect, get), so going back shows no
one's details. Links on a table open nothing else of the site a signer could wander off to.
"""

from __future__ import annotations

from flask import abort, make_response, render_template, request, url_for

from campaigns.actions import public as action_service
from campaigns.extensions import csrf
from campaigns.integrity import tables
from campaigns.public import bp, form_tokens
from campaigns.public.embed_routes import EMBEDDABLE_KINDS
from campaigns.public.routes import _form_for, action_view, expired, form_class, take_action
from campaigns.submissions.action_refs import action_ref_or_404


def _page(act, form, table, status: int = 200, done: str | None = None):
    response = make_response(
        render_template(
            "public/table.html",
            action=act,
            form=form,
            table=table,
            done=done,
            form_token=form_tokens.make(act.id),
            post_url=url_for("public.table", slug=act.slug, token=request.view_args["token"]),
            **action_view(act, form, table.source),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _closed(act):
    response = make_response(render_template("public/table_closed.html", action=act), 410)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/a/<slug>/table/<token>")
def table(slug: str, token: str):
    act = action_service.public_action_or_404(slug)
    if act.kind not in EMBEDDABLE_KINDS:
        abort(404)
    found = tables.table_for(token, act.id)
    if found is None or not act.campaign.is_live:
        return _closed(act)
    done = request.args.get("done")
    return _page(
        act, _form_for(act), found, done=done if done in ("new", "again", "held") else None
    )


@bp.post("/a/<slug>/table/<token>")
@csrf.exempt  # Checked by the action's form token, as the action page is.
def table_submit(slug: str, token: str):
    ref = action_ref_or_404(slug)
    if form_tokens.cross_site() or ref.kind not in EMBEDDABLE_KINDS:
        abort(403)
    found = tables.table_for(token, ref.id)
    if found is None or not ref.is_live:
        return _closed(action_service.public_action_or_404(slug))
    form = form_class(ref.kind, ref.asks_workplace)()

    def render(act, form, status=200):
        return _page(act, form, found, status)

    if not form_tokens.valid(ref.id, request.form.get("csrf_token", "")):
        return expired(form, render, slug)

    def next_person(signed: str, _rsvp_token: str | None) -> str:
        return url_for("public.table", slug=slug, token=token, done=signed)

    return take_action(ref, form, render, next_person, source=found.source, at_table=True)
