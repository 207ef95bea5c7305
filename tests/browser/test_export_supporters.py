import csv
import io

import pytest

from campaigns.models import Role
from tests.factories import PASSWORD, make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

pytestmark = pytest.mark.browser


def test_staff_filter_export_watch_progress_and_download(
    app, live_server, page, run_jobs, tmp_path
):
    """Staff filter the list, ask for an export, watch the bar fill as a real worker builds
    it, and download the file; nothing needs what the CSP forbids."""
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        petition = make_petition(make_campaign(org, title="Heat safety"))
        make_supporter(org, (petition,), first_name="Lucía", last_name="Peña", locale="es")
        make_supporter(org, (petition,), first_name="Tom", last_name="Hale")
        make_supporter(org, (), first_name="=1+1", last_name="Nope", locale="es")
    page.goto(f"{live_server}/organize/login")
    page.get_by_label("Email").fill("staff@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organize/local-1/")

    page.get_by_role("link", name="Supporters").click()
    page.get_by_label("Campaign").select_option(label="Heat safety")
    page.get_by_label("Their language").select_option("es")
    page.get_by_role("button", name="Filter").click()
    assert "1 person match these filters" in page.locator(".count").inner_text()

    page.get_by_role("link", name="Export this list").click()
    page.get_by_label("Email").uncheck()
    page.get_by_role("button", name="Make the export").click()
    page.wait_for_url("**/organize/local-1/exports/1")
    bar = page.get_by_label("Rows written")
    assert bar.evaluate("el => el.value") == 0
    assert not page.get_by_role("link", name="Download the CSV").is_visible()

    run_jobs(["exports"])
    link = page.get_by_role("link", name="Download the CSV")
    link.wait_for(state="visible", timeout=10_000)
    assert bar.evaluate("el => el.value === el.max")
    assert "Done: 1 rows." in page.locator("[data-export-text]").inner_text()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "supporters-local-1-1.csv"
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode(), newline="")))
    assert rows == [
        ["First name", "Last name", "Postcode", "City", "Subscribed"],
        ["Lucía", "Peña", "94612", "Oakland", "no"],
    ]
