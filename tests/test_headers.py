"""Security headers, cookies and proxies: what a browser is told on every kind of page."""

from __future__ import annotations

import base64
import re
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import render_template_string, request

from campaigns import ROOT, create_app
from campaigns.config import from_environment_without_key
from campaigns.extensions import db
from campaigns.headers import embeddable
from campaigns.submissions.confirmation import confirmation_token
from campaigns.submissions.signing import Signer, sign
from campaigns.submissions.subscriptions import unsubscribe_token
from tests.conftest import base_config, csrf_from
from tests.factories import make_organization, make_petition, make_user, signer_form

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def assert_hardened(resp) -> None:
    """The headers every page carries, whoever it is for."""
    assert resp.headers["Content-Security-Policy"] == POLICY
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert "Strict-Transport-Security" not in resp.headers  # plain http in tests


def no_store(resp) -> bool:
    return "no-store" in resp.headers.get("Cache-Control", "")


@pytest.fixture
def petition_slug(app):
    with app.app_context():
        return make_petition().slug


@pytest.fixture
def organizer(app, login):
    """A logged-in owner of local-9."""
    with app.app_context():
        make_user(make_organization(slug="local-9"), email="ruth@example.org")
    assert login("ruth@example.org").status_code == 302
    return "/organize/local-9/"


def test_public_action_page_is_hardened_and_stays_cacheable(app, client, petition_slug):
    """The action page forbids framing and inline code, sets no cookie (its form holds the
    action's token, not a session's) and is not marked private: every visitor, the first
    included, gets the same cacheable page."""
    first = client.get(f"/a/{petition_slug}")
    assert first.status_code == 200
    assert_hardened(first)
    assert first.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Set-Cookie" not in first.headers and not no_store(first)
    app.config["PUBLIC_COUNT_CACHE_SECONDS"] = 0  # rendered afresh, not the kept copy
    again = app.test_client().get(f"/a/{petition_slug}")
    assert "Set-Cookie" not in again.headers and not no_store(again)
    # The same page but for the moment its token was signed (to the second).
    token = re.compile(r'name="csrf_token" value="[^"]+"')
    assert token.sub("", again.get_data(as_text=True)) == token.sub(
        "", first.get_data(as_text=True)
    )


def test_thanks_page_is_not_stored(client, csrf, petition_slug):
    """The thank-you page after signing is kept by no cache, shared or in the browser."""
    data = signer_form(csrf_token=csrf(f"/a/{petition_slug}"))
    signed = client.post(f"/a/{petition_slug}", data=data)
    assert signed.status_code == 302 and no_store(signed)
    thanks = client.get(signed.headers["Location"])
    assert thanks.status_code == 200
    assert_hardened(thanks)
    assert no_store(thanks)


def test_a_form_post_answer_echoing_personal_data_is_not_stored(client, csrf, petition_slug):
    """A form sent back with errors shows what was typed; it is not stored anywhere."""
    data = signer_form(email="not-an-email", csrf_token=csrf(f"/a/{petition_slug}"))
    resp = client.post(f"/a/{petition_slug}", data=data)
    assert resp.status_code == 422
    assert "Maria" in resp.get_data(as_text=True)
    assert no_store(resp)


def test_token_links_send_no_referrer_and_are_not_stored(app, client):
    """Confirmation and unsubscribe links are keys: their pages send no Referer at all."""
    with app.app_context():
        petition = make_petition(requires_confirmation=True)
        result = sign(petition, Signer("Ana", "Lopez", "ana@example.org", subscribe=True))
        confirm_url = f"/a/{petition.slug}/confirm/{confirmation_token(result.submission)}"
        unsubscribe_url = f"/unsubscribe/{unsubscribe_token(result.submission.supporter)}"
    for url in (confirm_url, unsubscribe_url):
        page = client.get(url)
        assert page.status_code == 200
        assert_hardened(page)
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert no_store(page)
    token = csrf_from(client.get(unsubscribe_url).get_data(as_text=True))
    done = client.post(unsubscribe_url, data={"csrf_token": token})
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert done.headers["Referrer-Policy"] == "no-referrer" and no_store(done)


def test_organize_login_page_is_hardened_and_not_stored(client):
    """The staff login page cannot be framed (clickjacking) and is not cached."""
    resp = client.get("/organize/login")
    assert resp.status_code == 200
    assert_hardened(resp)
    assert no_store(resp)


def test_logged_in_organizer_pages_are_not_stored(client, organizer):
    """Nothing an organizer sees is kept by a cache or a shared computer's browser."""
    resp = client.get(organizer, follow_redirects=True)
    assert resp.status_code == 200
    assert "Campaigns" in resp.get_data(as_text=True)
    assert_hardened(resp)
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert no_store(resp)


def test_webhook_answers_are_hardened(app, client):
    """The API blueprint's answers carry the same headers as the pages."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = base64.b64encode(der).decode()
    resp = client.post("/hooks/sendgrid/events", data=b"[]", content_type="application/json")
    assert resp.status_code == 403  # unsigned
    assert_hardened(resp)
    assert no_store(resp)


def test_a_view_marked_embeddable_may_be_framed_by_other_sites(app, client):
    """Embedded forms opt in with `embeddable`, above or below the route decorator."""

    @app.get("/test-embed-below")
    @embeddable
    def below():
        return "form"

    @embeddable
    @app.get("/test-embed-above")
    def above():
        return "form"

    for url in ("/test-embed-below", "/test-embed-above"):
        resp = client.get(url)
        assert "X-Frame-Options" not in resp.headers
        policy = resp.headers["Content-Security-Policy"]
        assert policy == POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
    # Everything else still refuses to be framed.
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_embedding_can_be_limited_to_listed_sites(app, client):
    """EMBED_FRAME_ANCESTORS narrows who may frame an embeddable view."""

    @app.get("/test-embed")
    @embeddable
    def embed():
        return "form"

    app.config["EMBED_FRAME_ANCESTORS"] = "https://local99.example https://*.afl.example"
    policy = client.get("/test-embed").headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors https://local99.example https://*.afl.example")


def test_hsts_only_over_https(app, client):
    """HSTS is sent over https and never on a plain-http development server."""
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == HSTS


def test_hsts_when_the_public_address_is_https(app, client):
    """Behind a TLS proxy the app may see http; an https PUBLIC_URL still sends HSTS."""
    app.config["PUBLIC_URL"] = "https://act.local99.example"
    assert client.get("/").headers["Strict-Transport-Security"] == HSTS


def test_forwarded_headers_are_ignored_without_trusted_proxies(app, client):
    """With TRUSTED_PROXIES=0 a client cannot claim another address or https."""

    @app.get("/test-who")
    def who():
        return f"{request.remote_addr} {request.scheme}"

    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    resp = client.get("/test-who", headers=forged)
    assert resp.get_data(as_text=True) == "127.0.0.1 http"
    assert "Strict-Transport-Security" not in resp.headers


def test_forwarded_headers_from_a_trusted_proxy_are_believed(database_url, redis_url):
    """With TRUSTED_PROXIES=1 the proxy's client address and scheme are used."""
    app = create_app({**base_config(database_url, redis_url), "TRUSTED_PROXIES": 1})

    @app.get("/test-who")
    def who():
        return f"{request.remote_addr} {request.scheme}"

    # The proxy appends the real client to whatever the client sent; only its entry counts.
    forwarded = {"X-Forwarded-For": "10.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    resp = app.test_client().get("/test-who", headers=forwarded)
    assert resp.get_data(as_text=True) == "203.0.113.9 https"
    assert resp.headers["Strict-Transport-Security"] == HSTS
    with app.app_context():
        db.engine.dispose()


def test_session_cookie_is_httponly_and_lax(client):
    """Scripts cannot read the session cookie and other sites' forms do not carry it."""
    resp = client.get("/lang/es?next=/")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http PUBLIC_URL: a Secure cookie would never come back
    assert no_store(resp)


def test_https_public_url_makes_cookies_secure(monkeypatch, database_url, redis_url):
    """Deployed on https, the session cookie is Secure without any extra setting."""
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://act.local99.example")
    config = {k: v for k, v in base_config(database_url, redis_url).items() if k != "PUBLIC_URL"}
    app = create_app(config)
    resp = app.test_client().get("/lang/es?next=/", base_url="https://act.local99.example")
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert resp.headers["Strict-Transport-Security"] == HSTS
    with app.app_context():
        db.engine.dispose()


def test_cookie_and_proxy_settings_from_the_environment(tmp_path, monkeypatch):
    """Defaults follow PUBLIC_URL; SESSION_COOKIE_SECURE, the lifetime and proxies override."""
    for name in ("SESSION_COOKIE_SECURE", "PERMANENT_SESSION_LIFETIME", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:5000")
    config = from_environment_without_key(str(tmp_path))
    assert not config["SESSION_COOKIE_SECURE"] and not config["REMEMBER_COOKIE_SECURE"]
    assert config["PERMANENT_SESSION_LIFETIME"] == 12 * 60 * 60
    assert config["TRUSTED_PROXIES"] == 0

    monkeypatch.setenv("PUBLIC_URL", "https://act.local99.example")
    config = from_environment_without_key(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")  # e.g. a staging server reached over http
    monkeypatch.setenv("PERMANENT_SESSION_LIFETIME", "3600")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    config = from_environment_without_key(str(tmp_path))
    assert not config["SESSION_COOKIE_SECURE"]
    assert config["PERMANENT_SESSION_LIFETIME"] == 3600
    assert config["TRUSTED_PROXIES"] == 2


def test_a_staff_login_expires_after_the_session_lifetime(app, client, organizer):
    """Past PERMANENT_SESSION_LIFETIME the session cookie is refused: log in again."""
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    assert client.get(organizer).status_code == 200
    time.sleep(2.1)  # signed-cookie ages are counted in whole seconds
    resp = client.get(organizer)
    assert resp.status_code == 302 and "/organize/login" in resp.headers["Location"]


def test_csp_nonce_is_fresh_per_response_and_in_the_policy(app, client):
    """A template that needs an inline script gets a nonce the policy names, new each time."""

    @app.get("/test-nonce")
    def with_script():
        return render_template_string('<script nonce="{{ csp_nonce() }}">1</script>')

    nonces = []
    for _ in range(2):
        resp = client.get("/test-nonce")
        nonce = re.search(r'nonce="([^"]+)"', resp.get_data(as_text=True)).group(1)
        policy = resp.headers["Content-Security-Policy"]
        assert f"script-src 'self' 'nonce-{nonce}';" in policy
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    # Pages that need no nonce get none, and nothing ever allows inline code wholesale.
    assert "nonce-" not in client.get("/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]


def test_templates_have_no_inline_styles_scripts_or_handlers():
    """No page template relies on what the policy blocks (emails are not pages: exempt)."""
    forbidden = re.compile(r"\sstyle\s*=|\son[a-z]+\s*=|<script(?![^>]*\b(?:src|nonce)=)", re.I)
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in (ROOT / "templates").rglob("*.html")
        if "email" not in path.parts
        for match in forbidden.finditer(path.read_text())
    ]
    assert found == []


def test_server_error_page_shows_no_traceback_and_keeps_the_headers(database_url, redis_url):
    """In production an exception renders the plain error page, hardened like the rest."""
    app = create_app(
        {**base_config(database_url, redis_url), "TESTING": False, "PROPAGATE_EXCEPTIONS": False}
    )

    @app.get("/test-boom")
    def boom():
        raise RuntimeError("database password is hunter2")

    resp = app.test_client().get("/test-boom")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert_hardened(resp)


def test_security_txt_names_the_contact_when_set(app, client):
    """/.well-known/security.txt (RFC 9116) gives the reporting address, or 404 when none."""
    assert client.get("/.well-known/security.txt").status_code == 404
    app.config["SECURITY_CONTACT"] = "security@local42.example"
    resp = client.get("/.well-known/security.txt")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    lines = resp.get_data(as_text=True).splitlines()
    assert lines[0] == "Contact: mailto:security@local42.example"
    assert lines[1].startswith("Expires: ") and lines[1].endswith("Z")


def test_api_answers_are_hardened(client):
    """The OSDI API's answers carry the same headers, its errors included."""
    for path in ("/api/v1/openapi.json", "/api/v1/"):
        resp = client.get(path)
        assert resp.status_code in (200, 401), (path, resp.status_code)
        assert_hardened(resp)
