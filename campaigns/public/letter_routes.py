"""What a letter's page adds: who receives it and by which channel, the postal address a
letter to Congress needs, and the "I called" button for those no letter can reach."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext

from campaigns.actions import public as action_service
from campaigns.directories import lookup as directory
from campaigns.extensions import csrf
from campaigns.letters import calls, postal
from campaigns.letters import compose as letters
from campaigns.public import bp, form_tokens


def letter_view(act, form) -> dict:
    """Who the letter reaches, as far as the supporter's postcode (if given yet) tells."""
    settings = letters.settings_of(act)
    postcode = (form.postcode.data or request.args.get("postcode", "")).strip()
    if not form.postcode.data and postcode:
        form.postcode.data = postcode
    view = {
        "editable": settings.editable,
        "uses_directory": settings.directory_id is not None,
        "asks_address": letters.asks_address(act),
        "call_script": settings.call_script,
        "called": request.args.get("called", type=int),
        "lookup": None,
        "choose_district": False,
        "chosen": request.form.getlist("district"),
        "unreachable": [],
    }
    if view["asks_address"]:
        form.city.label.text = gettext("City")
        for name in ("prefix", "address1", "city", "state"):
            getattr(form, name).flags.required = True  # shown with its asterisk
    if settings.directory_id is not None and postcode:
        view["lookup"] = directory.lookup(settings.directory_id, postcode)
    try:
        view["recipients"], view["unreachable"] = letters.routes_and_unreachable(
            act, postcode, view["chosen"] or None
        )
    except letters.DistrictChoiceNeeded:
        view["recipients"] = []
        view["choose_district"] = True
    except letters.LetterError:
        view["recipients"] = []
    return view


def letter_address(form) -> postal.Address:
    return postal.Address(
        prefix=form.prefix.data or "",
        address1=form.address1.data or "",
        address2=form.address2.data or "",
        city=form.city.data or "",
        state=form.state.data or "",
        phone=form.phone.data or "",
    )


def show_address_errors(form, error: postal.AddressError) -> None:
    for name, message in error.problems.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


@bp.post("/a/<slug>/called")
@csrf.exempt  # Checked by the action's form token, as the letter form is.
def called(slug: str):
    """A supporter says they called a target the letter cannot reach: counted per target."""
    act = action_service.public_action_or_404(slug)
    if form_tokens.cross_site() or not form_tokens.valid(
        act.id, request.form.get("csrf_token", "")
    ):
        abort(400)
    target_id = request.form.get("target", type=int)
    if target_id is None or not calls.record(act, target_id, request.remote_addr or ""):
        abort(400)
    postcode = request.form.get("postcode", "")[:16]
    return redirect(url_for("public.action", slug=slug, postcode=postcode, called=target_id))
