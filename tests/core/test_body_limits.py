"""Request bodies are bounded before they are read: everywhere, with more room for staff
uploads and a limit of its own for SendGrid's event webhook."""

import io

import pytest

from tests.factories import make_campaign, make_organization, make_petition, make_user


class CountingStream:
    """A request body of `size` bytes that records how many of them anybody read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b"[" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


@pytest.fixture
def small(app):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    app.config["UPLOAD_MAX_CONTENT_LENGTH"] = 200_000
    app.config["SENDGRID_WEBHOOK_MAX_BYTES"] = 50_000
    return app


def test_an_oversize_webhook_post_is_refused_unread(small):
    """30 MB declared to the unsigned webhook: 413, and not one byte of it read."""
    body = CountingStream(30 * 1024 * 1024)
    resp = small.test_client().post(
        "/hooks/sendgrid/events",
        content_type="application/json",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.left)},
    )
    assert resp.status_code == 413
    assert body.read_bytes == 0


def test_the_webhook_takes_a_batch_bigger_than_the_general_limit(small):
    """A body past MAX_CONTENT_LENGTH but within the webhook's limit reaches the signature
    check (here: no key is configured, so 503 rather than 413)."""
    body = b"[" + b" " * 30_000 + b"]"
    resp = small.test_client().post(
        "/hooks/sendgrid/events", data=body, content_type="application/json"
    )
    assert resp.status_code == 503


def test_a_public_form_past_the_limit_is_a_413_page(small, client):
    with small.app_context():
        slug = make_petition(make_campaign(make_organization())).slug
    resp = client.post(f"/a/{slug}", data={"comment": "x" * 30_000})
    assert resp.status_code == 413
    assert "too large" in resp.get_data(as_text=True)


def test_the_413_page_speaks_spanish(small, client):
    resp = client.post(
        "/organize/login", data={"email": "x" * 30_000}, headers={"Accept-Language": "es"}
    )
    assert resp.status_code == 413
    assert "demasiado grande" in resp.get_data(as_text=True)


def _csv_upload(client, csrf, size: int):
    rows = b"email\n" + b"".join(b"p%d@example.org\n" % i for i in range(size // 18))
    form = {
        "csrf_token": csrf("/organize/local-1/imports"),
        "source": "Sign-up sheets",
        "consent": "y",
        "file": (io.BytesIO(rows), "list.csv"),
    }
    return client.post("/organize/local-1/imports", data=form, content_type="multipart/form-data")


def test_signed_in_staff_upload_past_the_general_limit(small, client, login, csrf, tmp_path):
    small.config["EXPORT_FOLDER"] = str(tmp_path)
    with small.app_context():
        make_user(make_organization(slug="local-1"), email="staff@example.org")
    login("staff@example.org")
    assert _csv_upload(client, csrf, 100_000).status_code == 302
    assert _csv_upload(client, csrf, 300_000).status_code == 413


def test_without_a_login_an_upload_gets_only_the_general_limit(small, client, csrf):
    with small.app_context():
        make_organization(slug="local-1")
    resp = client.post(
        "/organize/login",
        data={"email": "a@example.org", "file": (io.BytesIO(b"x" * 50_000), "big.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
