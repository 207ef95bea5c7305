import pytest

from campaigns.models import Role
from tests.factories import PASSWORD, make_organization, make_user
from tests.support import otp

pytestmark = pytest.mark.browser


def test_owner_sets_up_two_factor_and_logs_in_with_a_code(app, live_server, page):
    """An owner scans (here: reads) the key, confirms a code, saves recovery codes, and the
    next login asks for a code; no page needs anything the CSP forbids."""
    with app.app_context():
        make_user(make_organization(slug="local-1"), Role.owner, email="ruth@example.org")
    page.goto(f"{live_server}/organize/login")
    page.get_by_label("Email").fill("ruth@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organize/local-1/")

    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Set up two-factor").click()
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("[data-secret]").get_attribute("data-secret")
    step = otp.current_counter()
    page.get_by_label("Code from the app").fill(otp.totp_for_counter(secret, step))
    page.get_by_role("button", name="Turn on two-factor").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor is on"
    assert page.locator(".recovery-codes li").count() == 10

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("ruth@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organize/login/code")
    page.get_by_label("Code").fill(otp.totp_for_counter(secret, step + 1))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organize/local-1/")
