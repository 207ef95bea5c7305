"""Supporter-facing pages: take action, sign, confirm, unsubscribe, choose a language."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext

from campaigns.extensions import csrf
from campaigns.models import ActionKind
from campaigns.public import bp
from campaigns.public.forms import ConfirmForm, LetterForm, SignForm, UnsubscribeForm
from campaigns.services import actions as action_service
from campaigns.services import confirmation, directory, letters, subscriptions
from campaigns.services.signing import ActionClosed, DisposableEmail, Signer, sign


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    listing = action_service.live_campaigns(page=max(page, 1))
    return render_template("public/index.html", listing=listing)


@bp.get("/a/<slug>")
def action(slug: str):
    act = action_service.public_action_or_404(slug)
    form = _form_for(act, source=request.args.get("source", "")[:64])
    if act.kind == ActionKind.letter:
        template = letters.template_for(act, str(get_locale()))
        if template is not None:
            form.subject.data, form.body.data = template.subject, template.body
    return _render_action(act, form)


@bp.post("/a/<slug>")
def sign_action(slug: str):
    # The busiest route of a viral petition: a small query for what signing needs, and the
    # full action (translations, targets) only where a page has to be shown again.
    ref = action_service.action_ref_or_404(slug)
    if not ref.is_live:
        act = action_service.public_action_or_404(slug)
        return _render_action(act, _form_for(act), status=410)
    form = LetterForm() if ref.kind == ActionKind.letter else SignForm()
    if not form.validate_on_submit():
        return _render_action(action_service.public_action_or_404(slug), form, status=422)
    form.strip()
    if form.is_bot():
        # Show what a person would see, store nothing: bots learn nothing from the response.
        act = action_service.public_action_or_404(slug)
        return render_template("public/thanks.html", action=act, created=True, confirmed=False)
    signer = Signer(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        postcode=form.postcode.data.upper(),
        city=form.city.data or "",
        comment=(form.comment.data or "").strip() if form.comment else "",
        show_name=form.show_name.data if form.show_name else False,
        subscribe=form.subscribe.data,
        source=form.source.data or "",
        locale=str(get_locale()),
        # The peer, or with TRUSTED_PROXIES the client the proxy names (ProxyFix); a client's
        # own X-Forwarded-For is never read here.
        ip=request.remote_addr,
    )
    try:
        if ref.kind == ActionKind.letter:
            act = action_service.public_action_or_404(slug)
            edit = letters.Letter(form.subject.data.strip(), form.body.data.strip())
            districts = request.form.getlist("district") or None
            result = letters.send_letter(act, signer, edit, districts)
        else:
            result = sign(ref, signer)
    except ActionClosed:
        act = action_service.public_action_or_404(slug)
        return _render_action(act, _form_for(act), status=410)
    except DisposableEmail:
        # A form error rather than a silent mark: a real person with a throwaway address can
        # fix it, and the confirmation email to such an address proves nothing.
        form.email.errors.append(
            gettext(
                "Addresses from disposable-email services cannot be used here. "
                "Please use an email address you keep."
            )
        )
        return _render_action(action_service.public_action_or_404(slug), form, status=422)
    except letters.DistrictChoiceNeeded:
        form.form_errors.append(
            gettext("Your ZIP code is in more than one district: choose yours.")
        )
        return _render_action(action_service.public_action_or_404(slug), form, status=422)
    except letters.LetterError as exc:
        form.form_errors.append(str(exc))
        return _render_action(action_service.public_action_or_404(slug), form, status=422)
    # Said in the URL, not the session: nothing here is secret, and the thank-you page then
    # works where cookies do not (a form embedded in a partner's page).
    return redirect(
        url_for("public.thanks", slug=slug, signed="new" if result.created else "again")
    )


@bp.get("/a/<slug>/thanks")
def thanks(slug: str):
    act = action_service.public_action_or_404(slug)
    signed = request.args.get("signed")
    if signed not in ("new", "again"):
        return redirect(url_for("public.action", slug=slug))
    return render_template(
        "public/thanks.html",
        action=act,
        created=signed == "new",
        share=action_service.share_links(act),
    )


@bp.get("/a/<slug>/confirm/<token>")
def confirm(slug: str, token: str):
    submission = confirmation.submission_for_token(token)
    if submission is None or submission.action.slug != slug:
        return render_template("public/confirm_invalid.html"), 404
    return render_template(
        "public/confirm.html", submission=submission, action=submission.action, form=ConfirmForm()
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
    if submission.fraudulent:
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


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    target = request.args.get("next", "")
    # Only local paths: an open redirect here would lend our domain to phishing links.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.index")
    return redirect(target)


def _letter_view(act, form) -> dict:
    """Who the letter reaches, as far as the supporter's postcode (if given yet) tells."""
    settings = letters.settings_of(act)
    postcode = (form.postcode.data or request.args.get("postcode", "")).strip()
    if not form.postcode.data and postcode:
        form.postcode.data = postcode
    view = {"editable": settings.editable, "uses_directory": settings.directory_id is not None}
    view["lookup"] = None
    if settings.directory_id is not None and postcode:
        view["lookup"] = directory.lookup(settings.directory_id, postcode)
    view["choose_district"] = False
    view["chosen"] = request.form.getlist("district")
    try:
        view["recipients"] = letters.recipients(act, postcode, view["chosen"] or None)
    except letters.DistrictChoiceNeeded:
        view["recipients"] = []
        view["choose_district"] = True
    except letters.LetterError:
        view["recipients"] = []
    return view


def _form_for(act, **kwargs) -> SignForm:
    return LetterForm(**kwargs) if act.kind == ActionKind.letter else SignForm(**kwargs)


def _render_action(act, form: SignForm, status: int = 200):
    view = action_service.action_page(act)
    if act.kind == ActionKind.letter:
        view.update(_letter_view(act, form))
        return render_template("public/letter.html", action=act, form=form, **view), status
    return render_template("public/action.html", action=act, form=form, **view), status
