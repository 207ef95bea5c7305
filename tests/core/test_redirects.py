"""`next` parameters send a visitor to a path on this site and nowhere else."""

import pytest

from campaigns.core.redirects import safe_next
from tests.factories import make_organization, make_user

# Each reaches another host once Werkzeug strips control characters or a browser reads a
# backslash as a slash, or is a header-splitting attempt.
HOSTILE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\nSet-Cookie: a=b",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\x00/evil.example",
    "",
    None,
]


@pytest.mark.parametrize("target", HOSTILE)
def test_targets_that_could_leave_the_site_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target", ["/", "/organize/local-1/", "/a/b?c=d&e=/f#g", "/organize/reauth?next=//x"]
)
def test_local_paths_are_kept_as_they_are(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("encoded", ["/%09/evil.example", "/%0a/evil.example", "/%0d/x", "/%5cx"])
def test_the_language_switch_stays_on_the_site(client, encoded):
    """Once decoded these carry a tab, newline or backslash: the switch goes home instead,
    never to another host and never with a 500."""
    resp = client.get(f"/lang/es?next={encoded}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_the_language_switch_follows_a_local_next(client):
    resp = client.get("/lang/es?next=/organize/login%3Fx%3D1")
    assert resp.headers["Location"] == "/organize/login?x=1"


@pytest.mark.parametrize("encoded", ["/%09/evil.example", "/%0a/evil.example", "//evil.example"])
def test_login_never_sends_a_staff_member_away(app, client, csrf, encoded):
    with app.app_context():
        make_user(make_organization(slug="local-3"), email="ruth@example.org")
    resp = client.post(
        f"/organize/login?next={encoded}",
        data={
            "email": "ruth@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf("/organize/login"),
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/organize/"


def test_the_time_zone_form_returns_only_to_a_local_page(app, client, login, csrf):
    with app.app_context():
        make_user(make_organization(slug="local-4"), email="tz@example.org")
    login("tz@example.org")
    token = csrf("/organize/local-4/")
    resp = client.post(
        "/organize/local-4/timezone",
        data={"timezone": "America/Chicago", "next": "/\t/evil.example", "csrf_token": token},
    )
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]
    assert resp.headers["Location"].startswith("/organize/local-4/")
