"""Supporter-facing pages: take action, sign, confirm, unsubscribe, choose a language."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from wtforms.fields.choices import SelectChoice

from campaigns import select_locale
from campaigns.actions import follows, stories, take
from campaigns.actions import public as action_service
from campaigns.actions.uploads import served
from campaigns.core.redirects import safe_next
from campaigns.events import rsvps as events
from campaigns.extensions import csrf
from campaigns.letters import compose as letters
from campaigns.letters import postal
from campaigns.models import ActionKind, StoryConsent, utcnow
from campaigns.partners import offers as partners
from campaigns.public import bp, form_tokens, page_cache
from campaigns.public.forms import (
    FollowForm,
    LetterForm,
    PledgeForm,
    RsvpForm,
    SignForm,
    StoryForm,
    without_workplace,
)
from campaigns.public.letter_routes import letter_address, letter_view, show_address_errors
from campaigns.submissions.action_refs import action_ref_or_404
from campaigns.submissions.signing import ActionClosed, DisposableEmail, Signer
from campaigns.tracking.sources import referrer_host


@bp.get("/.well-known/security.txt")
def security_txt():
    """Who to tell about a vulnerability (RFC 9116), when the deployment says."""
    contact = current_app.config["SECURITY_CONTACT"]
    if not contact:
        abort(404)
    if "@" in contact and not contact.startswith(("mailto:", "https://")):
        contact = f"mailto:{contact}"
    expires = (utcnow() + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = f"Contact: {contact}\nExpires: {expires}\nPreferred-Languages: en, es\n"
    return Response(body, mimetype="text/plain")


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    filters = action_service.CampaignFilters.from_args(request.args)
    listing = action_service.live_campaigns(page=max(page, 1), filters=filters)
    return render_template("public/index.html", listing=listing, kinds=list(ActionKind))


@bp.get("/c/<slug>")
def campaign(slug: str):
    item = action_service.public_campaign_or_404(slug)
    form = FollowForm(source=request.args.get("source", "")[:64])
    return _render_campaign(item, form)


@bp.post("/c/<slug>/follow")
def follow_campaign(slug: str):
    item = action_service.public_campaign_or_404(slug)
    form = FollowForm()
    if not item.is_live:
        return _render_campaign(item, form, status=410)
    if not form.validate_on_submit():
        return _render_campaign(item, form, status=422)
    if not form.website.data:  # the honeypot: a bot is shown success and nothing is stored
        follows.follow(
            item,
            follows.Follower(
                email=form.email.data.strip(),
                name=form.name.data.strip(),
                locale=str(get_locale()),
                source=form.source.data or "",
            ),
        )
    return redirect(url_for("public.campaign", slug=slug, following="yes"))


def _render_campaign(item, form, status: int = 200):
    return (
        render_template(
            "public/campaign.html",
            campaign=item,
            form=form,
            following=request.args.get("following") == "yes",
            **action_service.campaign_page(item),
        ),
        status,
    )


@bp.get("/a/<slug>")
def action(slug: str):
    referrer = _outside_referrer()
    page_key = page_cache.key(referrer)
    html = page_cache.get(page_key)
    if html is not None:
        return html
    act = action_service.public_action_or_404(slug)
    form = _form_for(act, source=request.args.get("source", "")[:64], referrer=referrer)
    if act.kind == ActionKind.letter:
        template = letters.template_for(act, str(get_locale()))
        if template is not None:
            form.subject.data, form.body.data = template.subject, template.body
    if page_key is None:
        return _render_action(act, form)
    html, status = _render_action(act, form)
    page_cache.put(page_key, html)
    return html, status


@bp.post("/a/<slug>")
@csrf.exempt  # Checked by the form token instead: see public.form_tokens.
def sign_action(slug: str):
    # The busiest route of a viral petition: a small query for what signing needs, and the
    # full action (translations, targets) only where a page has to be shown again.
    ref = action_ref_or_404(slug)
    if form_tokens.cross_site():
        abort(403)
    if not ref.is_live:
        act = action_service.public_action_or_404(slug)
        return _render_action(act, _form_for(act), status=410)
    form = form_class(ref.kind, ref.asks_workplace)()
    # The field keeps the conventional name; what it holds is the action's form token.
    if not form_tokens.valid(ref.id, request.form.get("csrf_token", "")):
        return expired(form, _render_action, slug)
    return take_action(ref, form, _render_action, "public.thanks")


def expired(form: SignForm, render, slug: str):
    """The form again, 400, with what was typed, its errors and a fresh token: a post whose
    token is missing, forged, made for another action or too old stores nothing."""
    form.validate()
    form.form_errors.append(gettext("This form expired. Please submit it again."))
    return render(action_service.public_action_or_404(slug), form, status=400)


def take_action(
    ref, form: SignForm, render, thanks_endpoint, source: str | None = None, at_table=False
):
    """Validate `form` and record the action of any kind; the page, its embed and a sign-up
    table share it.

    `render(action, form, status)` shows the form again; `thanks_endpoint` is where to go
    after (an endpoint's name, or a function of the outcome and RSVP token giving the URL);
    `source`, if given, overrides the form's (an embed records its partner, a table its own
    code); `at_table` exempts the signer from the address limits (integrity.tables).
    """
    slug = ref.slug
    if not form.validate_on_submit():
        return render(action_service.public_action_or_404(slug), form, status=422)
    form.strip()
    if form.is_bot():
        # Show what a person would see, store nothing: bots learn nothing from the response.
        act = action_service.public_action_or_404(slug)
        return render_template("public/thanks.html", action=act, created=True, confirmed=False)
    source = (source if source is not None else form.source.data or "")[:64]
    signer = Signer(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        postcode=form.postcode.data.upper(),
        city=form.city.data or "",
        comment=(form.comment.data or "").strip() if form.comment else "",
        show_name=form.show_name.data if form.show_name else False,
        subscribe=form.subscribe.data,
        source=source,
        referrer=referrer_host(form.referrer.data) or _outside_referrer(),
        # The selector's code, as str(get_locale()) gives it, without building a Babel locale.
        locale=select_locale(),
        **_workplace(ref, form),
        # The peer, or with TRUSTED_PROXIES the client the proxy names (ProxyFix); a client's
        # own X-Forwarded-For is never read here.
        ip=request.remote_addr,
        partners=partners.chosen(ref.campaign_id, ref.has_partners, source, form.partners.data),
        at_table=at_table,
    )
    choices = _choices(ref, form)
    try:
        taken = take.take(ref, signer, choices)
    except ActionClosed:
        act = action_service.public_action_or_404(slug)
        return render(act, _form_for(act), status=410)
    except events.ShiftChoiceError:
        form.shifts.errors = [gettext("Please choose among the shifts listed.")]
        return render(action_service.public_action_or_404(slug), form, status=422)
    except DisposableEmail:
        # A form error rather than a silent mark: a real person with a throwaway address can
        # fix it, and the confirmation email to such an address proves nothing.
        form.email.errors.append(
            gettext(
                "Addresses from disposable-email services cannot be used here. "
                "Please use an email address you keep."
            )
        )
        return render(action_service.public_action_or_404(slug), form, status=422)
    except letters.DistrictChoiceNeeded:
        form.form_errors.append(
            gettext("Your ZIP code is in more than one district: choose yours.")
        )
        return render(action_service.public_action_or_404(slug), form, status=422)
    except postal.AddressError as exc:
        show_address_errors(form, exc)
        return render(action_service.public_action_or_404(slug), form, status=422)
    except letters.LetterError as exc:
        form.form_errors.append(str(exc))
        return render(action_service.public_action_or_404(slug), form, status=422)
    # Said in the URL, not the session: nothing here is secret, and the thank-you page then
    # works where cookies do not (a form embedded in a partner's page).
    if callable(thanks_endpoint):
        return redirect(thanks_endpoint(_signed(taken.result), taken.rsvp_token), code=303)
    return redirect(
        url_for(
            thanks_endpoint,
            slug=slug,
            signed=_signed(taken.result),
            **({"rsvp": taken.rsvp_token} if taken.rsvp_token else {}),
        )
    )


@bp.get("/a/<slug>/count.json")
def count_json(slug: str):
    """The public count for widgets and partner sites, cacheable by browsers and proxies.

    It reads neither the session nor the language, so no cookie is set and the response is
    the same for everyone: `Cache-Control: public` is safe (campaigns.headers would send
    no-store for a response that set a cookie). The ETag changes with the count and goal
    only, so a poll within the same count answers 304 with no body.
    """
    count = action_service.public_count_json(slug)
    headers = {
        "Cache-Control": f"public, max-age={current_app.config['COUNT_JSON_MAX_AGE']}",
        "ETag": f'W/"{count.etag}"',
    }
    # Parsed only when sent: most polls are a browser's first.
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(count.etag):
        return Response(status=304, headers=headers)
    return Response(count.body, mimetype="application/json", headers=headers)


@bp.get("/a/<slug>/thanks")
def thanks(slug: str):
    act = action_service.public_action_or_404(slug)
    signed = request.args.get("signed")
    if signed not in ("new", "again", "held"):
        return redirect(url_for("public.action", slug=slug))
    return render_template(
        "public/thanks.html",
        action=act,
        created=signed != "again",
        held=signed == "held",
        share=action_service.share_links(act),
        next_actions=action_service.next_actions(act),
        rsvps=rsvps_for_thanks(act),
    )


def rsvps_for_thanks(act) -> list[tuple]:
    """An event's thank-you page lists the person's RSVPs, named by a token in the URL."""
    if act.kind != ActionKind.event or not request.args.get("rsvp"):
        return []
    submission = events.submission_for_thanks(request.args["rsvp"])
    if submission is None or submission.action_id != act.id:
        return []
    return [(row, events.calendar_token(row)) for row in events.rsvps_of_submission(submission.id)]


@bp.get("/media/<name>")
def media(name: str):
    """An uploaded share image; the name is random and checked against the form we give."""
    response = served(name)
    if response is None:
        abort(404)
    # The image is shown by social sites' crawlers and in partner pages.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    # Only local paths: an open redirect here would lend our domain to phishing links.
    return redirect(safe_next(request.args.get("next")) or url_for("public.index"))


def _signed(result) -> str:
    """What the thank-you page says: new, again, or held (over a rate limit: the person is
    asked to confirm before it counts). A blocked address sees the usual thank-you."""
    if result.held:
        return "held"
    return "new" if result.created else "again"


def _choices(ref, form: SignForm) -> take.Choices:
    """What the form of this kind of action adds to the signer."""
    if ref.kind == ActionKind.letter:
        edit = letters.Letter(form.subject.data.strip(), form.body.data.strip())
        districts = request.form.getlist("district") or None
        return take.Choices(letter=edit, districts=districts, address=letter_address(form))
    if ref.kind == ActionKind.event:
        return take.Choices(shift_ids=tuple(form.shifts.data))
    if ref.kind == ActionKind.story:
        return take.Choices(story=form.story.data.strip(), consent=StoryConsent(form.consent.data))
    return take.Choices()


FORMS = {
    ActionKind.petition: SignForm,
    ActionKind.letter: LetterForm,
    ActionKind.pledge: PledgeForm,
    ActionKind.event: RsvpForm,
    ActionKind.story: StoryForm,
}


def form_class(kind: ActionKind, asks_workplace: bool) -> type[SignForm]:
    form = FORMS[kind]
    return form if asks_workplace else without_workplace(form)


def _workplace(ref, form: SignForm) -> dict[str, str]:
    """The workplace fields for the Signer, only when the action asks for them: a crafted
    post to an action that does not ask stores nothing there."""
    if not ref.asks_workplace:
        return {}
    names = ("employer", "worksite", "department", "work_shift")
    return {name: getattr(form, name).data or "" for name in names}


def _outside_referrer() -> str:
    """The host of the Referer when it is another site's: on a GET of the action page, the
    site that linked to it; on a POST, a partner's page embedding the form. Our own pages
    are no source. Browsers send only the origin across sites by default anyway."""
    host = referrer_host(request.referrer)
    if not host:
        return ""
    return "" if host == referrer_host(f"//{request.host.split(':')[0]}") else host


def _form_for(act, **kwargs) -> SignForm:
    return form_class(act.kind, act.asks_workplace)(**kwargs)


def action_view(act, form: SignForm, source: str | None = None) -> dict:
    """What an action's page (or its embed, with its `source`) shows besides the form."""
    view = action_service.action_page(act) | partner_view(act, form, source)
    if act.kind == ActionKind.event:
        view["shifts"] = events.shift_choices(act)
        form.shifts.choices = [SelectChoice(s.id, "") for s, _ in view["shifts"]]
    if act.kind == ActionKind.story:
        view["stories"] = stories.published_stories(act)
    return view


def partner_view(act, form: SignForm, source: str | None = None) -> dict:
    """The opt-in boxes the form shows: the partners offered to a visitor who came with
    `source` (the form's own when None), and the host's name to say whose list is whose."""
    if not act.campaign.is_live:
        return {"partners": [], "host_name": ""}  # no form is shown
    source = form.source.data or "" if source is None else source
    # The ref, cached per process for a live action, says whether there are any partners.
    ref = action_ref_or_404(act.slug)
    host_name, offered = partners.offers_for_form(ref.campaign_id, ref.has_partners, source)
    return {"partners": offered, "host_name": host_name}


def _render_action(act, form: SignForm, status: int = 200):
    """The action's page: the same for every visitor in a language (no session, no cookie),
    so `action` can keep it rendered."""
    context = {"form_token": form_tokens.make(act.id)}
    if act.kind == ActionKind.letter:
        view = action_service.action_page(act) | partner_view(act, form) | context
        view.update(letter_view(act, form))
        return render_template("public/letter.html", action=act, form=form, **view), status
    view = action_view(act, form) | context
    return render_template("public/action.html", action=act, form=form, **view), status
