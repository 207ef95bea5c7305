"""An RSVP from a form embedded on a partner's site: another origin, another site."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from campaigns.events import rsvps as events
from campaigns.extensions import db
from campaigns.models import Rsvp, RsvpStatus, Submission
from tests.factories import make_event

pytestmark = pytest.mark.browser

PARTNER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Riverside Worker Center</title></head>
<body>
<h1>Riverside Worker Center</h1>
<p>Join the picket with our friends at Local 42:</p>
<iframe src="{app}/embed/a/{slug}?source=riverside" class="campaigns-embed"
        title="RSVP" width="100%" height="300"></iframe>
<script src="{app}/static/js/embed.js" async></script>
</body></html>
"""


@pytest.fixture
def partner_site(tmp_path):
    """A second HTTP server, on another port and reached as `localhost` while the app is
    `127.0.0.1`: a different site, so the browser treats the iframe as third-party."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        (tmp_path / "index.html").write_text(html, encoding="utf-8")
        return f"http://localhost:{server.server_address[1]}/index.html"

    yield publish
    server.shutdown()


def test_rsvp_from_an_embedded_iframe(app, live_server, partner_site, page):
    """A supporter on a partner's site RSVPs inside the embedded form and sees the thanks;
    the RSVP holds a place and records the partner as its source."""
    with app.app_context():
        action = make_event(shifts=[(10, 3)])
        slug, shift_id = action.slug, events.shifts_of(action)[0].id
    page.goto(partner_site(PARTNER_PAGE.format(app=live_server, slug=slug)))
    frame_element = page.locator("iframe.campaigns-embed")
    # embed.js sized the iframe from the height the embedded page posted.
    page.wait_for_function(
        "document.querySelector('iframe.campaigns-embed').dataset.sized === 'true'"
    )
    assert frame_element.bounding_box()["height"] > 300

    frame = page.frame_locator("iframe.campaigns-embed")
    frame.locator(f"#shift-{shift_id}").check()
    frame.get_by_label("First name", exact=True).fill("Lucía")
    frame.get_by_label("Last name", exact=True).fill("Hernández")
    frame.get_by_label("Email", exact=True).fill("lucia@example.org")
    frame.get_by_label("ZIP or postcode").fill("94612")
    frame.get_by_role("button", name="RSVP").click()

    heading = frame.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == "Thank you for your RSVP!"
    assert "you have a place" in frame.locator(".rsvps").inner_text()
    assert page.url.startswith("http://localhost:")  # the partner's page never left

    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.source == "riverside"
        rsvp = db.session.scalars(select(Rsvp)).one()
        assert (rsvp.shift_id, rsvp.status) == (shift_id, RsvpStatus.attending)
