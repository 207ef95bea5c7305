from pathlib import Path

import pytest

from campaigns.extensions import db
from campaigns.models import Directory, LetterSettings, Role
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import district_maps
from tests.factories import (
    PASSWORD,
    make_campaign,
    make_council_letter,
    make_organization,
    make_petition,
    make_user,
)

pytestmark = pytest.mark.browser


def test_dashboard_count_moves_when_a_supporter_signs_in_another_tab(
    app, live_server, page, run_jobs
):
    """The organizer watches the dashboard; a signature in another tab shows without reload."""
    from playwright.sync_api import expect  # installed wherever the `page` fixture runs

    app.config["DASHBOARD_POLL_SECONDS"] = 1
    with app.app_context():
        org = make_organization(slug="local-11", name="Local 11")
        make_user(org, Role.organizer, email="watcher@example.org")
        petition = make_petition(make_campaign(org), goal=10)
        slug, petition_id = petition.slug, petition.id

    page.goto(f"{live_server}/organize/login")
    page.get_by_label("Email").fill("watcher@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/organize/local-11/actions/{petition_id}/dashboard")
    signed = page.locator('[data-live="signed"]')
    assert signed.inner_text() == "0"
    hourly = page.get_by_role("img", name="Signatures per hour, last 72 hours")
    assert hourly.count() == 1

    supporter = page.context.new_page()
    supporter.goto(f"{live_server}/a/{slug}")
    supporter.get_by_label("First name", exact=True).fill("Rosa")
    supporter.get_by_label("Last name", exact=True).fill("Parks")
    supporter.get_by_label("Email", exact=True).fill("rosa@example.org")
    supporter.get_by_label("ZIP or postcode").fill("94612")
    supporter.get_by_role("button", name="Sign").click()
    supporter.wait_for_url(f"**/a/{slug}/thanks?signed=new")
    run_jobs(["counts"])  # the tally a worker runs moments after the signature

    url_before = page.url
    # Polled every second; the CSP forbids the eval that wait_for_function would need.
    expect(signed).to_have_text("1", timeout=15000)
    assert page.url == url_before  # no reload: the script updated the figures
    assert page.locator('[data-live="today"]').inner_text() == "1"
    assert page.locator('[data-live="percent"]').inner_text() == "10"
    # <progress value> reflects the property the script sets.
    assert page.locator("[data-live-progress]").get_attribute("value") == "1"
    # The sources page has the postcode table, sorted on request by the same script.
    page.get_by_role("link", name="Sources, referring sites, postcodes and districts").click()
    header = page.locator("#breakdown-3-heading + table th").first
    assert header.get_attribute("aria-sort") == "none"
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("#breakdown-3-heading + table tbody td").first.inner_text() == "94612"


def test_district_map_draws_in_chromium(app, live_server, page):
    """The sources page of a letter whose directory has boundaries shows the shaded map,
    styled by the stylesheet alone (the CSP check of the `page` fixture would fail otherwise)."""
    with app.app_context():
        letter = make_council_letter(write_to_all=True)
        org = letter.campaign.organization
        organizer = make_user(org, Role.organizer, email="mapper@example.org")
        directory = db.session.get(
            Directory, db.session.get(LetterSettings, letter.id).directory_id
        )
        fixture = Path(__file__).parent.parent / "data" / "oakland-wards.geojson"
        with fixture.open("rb") as stream:
            district_maps.save(org, directory, stream, None, organizer)
        for n, postcode in enumerate(["94612", "94610", "94610"]):
            sign(
                letter,
                Signer(first_name="A", last_name="B", email=f"s{n}@example.org", postcode=postcode),
            )
        sources = f"{live_server}/organize/{org.slug}/actions/{letter.id}/sources"

    page.goto(f"{live_server}/organize/login")
    page.get_by_label("Email").fill("mapper@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(sources)
    districts = page.locator("figure.district-map svg[role=img] path")
    assert districts.count() == 4
    # OAK-2 (3 signatures) in the darkest blue, OAK-3 (none) in grey, from site.css.
    darkest = page.locator('path[data-district="OAK-2"]')
    assert darkest.get_attribute("class") == "q5"
    assert darkest.evaluate("p => getComputedStyle(p).fill") == "rgb(8, 81, 156)"
    none = page.locator('path[data-district="OAK-3"]')
    assert none.evaluate("p => getComputedStyle(p).fill") == "rgb(228, 228, 232)"
    box = page.locator("figure.district-map svg[role=img]").bounding_box()
    assert box["width"] > 200 and box["height"] > 200
