import re

import pytest
from sqlalchemy import select

from campaigns.events import rsvps as events
from campaigns.extensions import db
from campaigns.models import OutboxEmail, Role, Rsvp, RsvpStatus, Submission
from tests.factories import make_campaign, make_event, make_organization, make_user

pytestmark = pytest.mark.browser


def rsvp(page, live_server, slug, shift_id, first, email):
    page.goto(f"{live_server}/a/{slug}")
    page.locator(f"#shift-{shift_id}").check()
    page.get_by_label("First name", exact=True).fill(first)
    page.get_by_label("Last name", exact=True).fill("Ruiz")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("ZIP or postcode").fill("94612")
    page.get_by_role("button", name="RSVP").click()


def test_a_second_person_on_one_connection_confirms_and_gets_the_place(
    app, live_server, page, run_jobs, login, client
):
    """Two people RSVP from one phone's connection within a minute: the second is told the
    place is not reserved until they confirm, confirms from the email, and is on the roster."""
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        action = make_event(make_campaign(org), shifts=[(10, 3)])
        slug, action_id = action.slug, action.id
        shift_id = events.shifts_of(action)[0].id

    rsvp(page, live_server, slug, shift_id, "Ana", "ana@example.org")
    page.wait_for_url(f"**/a/{slug}/thanks?signed=new**")
    rsvp(page, live_server, slug, shift_id, "Luis", "luis@example.org")
    page.wait_for_url(f"**/a/{slug}/thanks?signed=held**")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email to confirm"
    assert "Your place is not reserved yet" in page.locator("main").inner_text()
    with app.app_context():
        luis = db.session.scalars(
            select(Rsvp).join(Submission).where(Submission.held_reason.is_not(None))
        ).one()
        assert luis.status == RsvpStatus.held

    run_jobs(["mail"])
    with app.app_context():
        body = db.session.scalars(
            select(OutboxEmail.text_body).where(OutboxEmail.to_address.contains("luis@"))
        ).one()
    page.goto(re.search(r"https?://\S+/confirm/\S+", body).group(0))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()
    with app.app_context():
        statuses = sorted(r.status.value for r in db.session.scalars(select(Rsvp)))
        assert statuses == ["attending", "attending"]

    login("org@example.org")
    roster = client.get(f"/organize/local-42/actions/{action_id}/roster").get_data(as_text=True)
    assert "Luis" in roster and "Ana" in roster
