"""Property-based tests: random bytes, unicode, huge fields and header-injection attempts
thrown at every public form. The answer is always a clean 4xx or a re-rendered form, never
a 500, and input that is not valid writes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Message, Submission, Supporter
from campaigns.submissions.confirmation import confirmation_token
from campaigns.submissions.signing import Signer, sign
from campaigns.submissions.subscriptions import unsubscribe_token
from tests.conftest import csrf_from
from tests.factories import from_new_address, make_letter, make_petition, signer_form

# The app, client and database are made once per test and shared by its examples, which is
# what we want here (each example adds to the same database and checks the difference).
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLEAN = {200, 302, 400, 404, 405, 410, 413, 422}

# Text a person would never type and a mail header must never carry.
INJECTIONS = st.sampled_from(
    [
        "ana@example.org\r\nBcc: victim@example.org",
        "Ana\r\nSubject: hacked",
        "Ana\nX-Injected: 1",
        "ana@example.org%0d%0aBcc:x@example.org",
        "ana@example.org\x00",
        "=cmd|' /C calc'!A0",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "\u202eevil",
    ]
)
# Characters UTF-8 can carry: a lone surrogate cannot be sent in a form at all.
HUGE = st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(1000, 60_000))
FIELD = st.one_of(st.text(st.characters(codec="utf-8"), max_size=300), INJECTIONS, HUGE)
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SIGN_FIELDS = ("first_name", "last_name", "email", "postcode", "city", "comment", "source")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def has_line_break(values: dict) -> bool:
    return any(
        "\r" in v or "\n" in v
        for k, v in values.items()
        if k in ("first_name", "last_name", "email")
    )


@pytest.fixture
def petition_slug(app):
    with app.app_context():
        return make_petition().slug


@pytest.fixture
def letter_slug(app):
    with app.app_context():
        return make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")]).slug


def _post_form(app, client, slug, overrides: dict, extra_models=()):
    token = csrf_from(client.get(f"/a/{slug}").get_data(as_text=True))
    with app.app_context():
        before = [count(m) for m in (Submission, *extra_models)]
    data = {**signer_form(), **overrides, "csrf_token": token}
    resp = client.post(f"/a/{slug}", data=data, **from_new_address())
    assert resp.status_code in CLEAN, resp.status_code
    with app.app_context():
        after = [count(m) for m in (Submission, *extra_models)]
    if resp.status_code != 302:
        assert after == before, "a refused form wrote rows"
    if has_line_break({**signer_form(), **overrides}):
        assert resp.status_code != 302, "a name or email with a line break was accepted"
    return resp


@FUZZ
@given(overrides=st.dictionaries(st.sampled_from(SIGN_FIELDS), FIELD, min_size=1))
def test_sign_form_never_fails(app, client, petition_slug, overrides):
    _post_form(app, client, petition_slug, overrides)


@FUZZ
@given(
    overrides=st.dictionaries(
        st.sampled_from((*SIGN_FIELDS, "subject", "body", "district")), FIELD, min_size=1
    )
)
def test_letter_form_never_fails(app, client, letter_slug, overrides):
    _post_form(app, client, letter_slug, overrides, extra_models=(Message,))


@FUZZ
@given(body=st.binary(max_size=5000))
def test_random_bytes_as_a_form_post(app, client, petition_slug, body):
    """Undecodable bytes, broken percent-encoding: refused cleanly, nothing written."""
    with app.app_context():
        before = count(Submission)
    resp = client.post(
        f"/a/{petition_slug}",
        data=body,
        content_type="application/x-www-form-urlencoded",
        **from_new_address(),
    )
    assert resp.status_code in CLEAN - {302}
    with app.app_context():
        assert count(Submission) == before


@FUZZ
@given(token=st.one_of(st.text(min_size=1, max_size=500), INJECTIONS), post=st.booleans())
def test_confirm_and_unsubscribe_with_any_token(app, client, petition_slug, token, post):
    """A made-up or mangled token finds nothing and changes nothing."""
    path = quote(token, safe="")
    for url in (f"/a/{petition_slug}/confirm/{path}", f"/unsubscribe/{path}"):
        resp = client.post(url, data={"x": token}) if post else client.get(url)
        # 400: a post without a CSRF token (confirm); 404: no such link; 308: werkzeug's
        # redirect to the path with doubled slashes merged.
        assert resp.status_code in {308, 400, 404}, (url, resp.status_code)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.confirmed_at.is_not(None))
            )
            == 0
        )


@FUZZ
@given(
    token_tail=st.one_of(
        st.text(st.sampled_from(BASE64URL), min_size=1, max_size=200),
        FIELD.filter(bool),
    ),
    form=st.dictionaries(st.text(max_size=20), FIELD, max_size=4),
)
def test_real_links_with_junk_appended_or_posted(app, client, petition_slug, token_tail, form):
    """A real token with more base64url characters after it is a bad token. Other characters
    are dropped by the base64 decoding of itsdangerous before the signature is checked, so
    they leave the token as it was (still the one signed: harmless). Junk posted with a real
    token is a 400 (no CSRF token) or a clean page; never a 500."""
    with app.app_context():
        petition = make_petition(requires_confirmation=True)
        result = sign(
            petition,
            Signer(first_name="A", last_name="B", email="fuzz@example.org", postcode="1", ip=None),
        )
        submission = db.session.get(Submission, result.submission_id)
        confirm_token = confirmation_token(submission)
        supporter = db.session.get(Supporter, submission.supporter_id)
        unsub_token = unsubscribe_token(supporter)
        slug = petition.slug
    ascii_junk = set(token_tail) <= set(BASE64URL)
    for url in (
        f"/a/{slug}/confirm/{confirm_token}{quote(token_tail, safe='')}",
        f"/unsubscribe/{unsub_token}{quote(token_tail, safe='')}",
    ):
        status = client.get(url).status_code
        assert status == 404 if ascii_junk else status in {200, 404}, (url, status)
    # 413: werkzeug's limit on form size (500 kB in memory) refused the body.
    resp = client.post(f"/a/{slug}/confirm/{confirm_token}", data=form)
    assert resp.status_code in {400, 413}
    resp = client.post(f"/unsubscribe/{unsub_token}", data=form)
    assert resp.status_code in {200, 413}
