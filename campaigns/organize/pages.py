"""Small helpers the organizer's views share: form pages, links, permissions, `next`."""

from __future__ import annotations

from flask import current_app, g, render_template, request, url_for

from campaigns.core.redirects import safe_next
from campaigns.core.slugs import is_taken
from campaigns.organize.access import allowed


def slug_free(field, model, exclude_id: int | None = None) -> bool:
    """Whether the web address in `field` is free; adds the form error when it is not."""
    if field.data and is_taken(model, field.data, exclude_id):
        field.errors.append("That web address is taken; choose another.")
        return False
    return True


def form_page(template: str, **context):
    """A form's page: 422 after a post with errors, so a client can tell it was refused."""
    form = context["form"]
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template(template, **context), status


def campaign_url(campaign) -> str:
    return url_for("organize.campaign", org=g.organization.slug, campaign_id=campaign.id)


def can(permission: str) -> bool:
    """Whether the signed-in member's role in this organization allows `permission`."""
    return allowed(g.membership.role, permission)


def next_url() -> str | None:
    """The request's `next`, when it is a safe place on this site."""
    return safe_next(request.args.get("next"))


def content_locales(form) -> list[str]:
    """The configured languages (LANGUAGES) this content form has fields for, in order."""
    return [code for code in current_app.config["LANGUAGES"] if hasattr(form, f"title_{code}")]
