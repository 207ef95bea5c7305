"""Shift times where the event happens: typed and read in its zone (its own or its
organization's), stored as UTC instants, shown in the reader's language, right across a
daylight-saving change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaigns.events import rsvps as events
from campaigns.events import times
from campaigns.extensions import db
from campaigns.models import Action, OutboxEmail, Role, Shift
from campaigns.submissions.signing import Signer
from tests.factories import make_campaign, make_organization, make_user

CHICAGO = ZoneInfo("America/Chicago")


def test_wall_times_become_instants_and_keep_their_real_length():
    assert times.parse_local("2026-12-17 11:00", CHICAGO) == datetime(2026, 12, 17, 17, tzinfo=UTC)
    # The night the clocks spring forward: 01:00 CST to 04:00 CDT is two real hours.
    start = times.parse_local("2026-03-08 01:00", CHICAGO)
    end = times.parse_local("2026-03-08 04:00", CHICAGO)
    assert end - start == timedelta(hours=2)
    with pytest.raises(ValueError, match="does not exist"):
        times.parse_local("2026-03-08 02:30", CHICAGO)  # skipped by the change
    assert times.entry_text(start, CHICAGO) == "2026-03-08 01:00"


@pytest.fixture
def picket(app, login):
    """Local 42 works on Pacific time; its picket in Chicago is set in Chicago's zone."""
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42", timezone="America/Los_Angeles")
        make_user(org, Role.organizer, email="org@example.org")
        campaign_id = make_campaign(org).id
    login("org@example.org")
    return campaign_id


def test_the_organizer_types_and_reads_shifts_in_the_events_zone(app, client, csrf, picket):
    url = f"/organize/local-42/campaigns/{picket}/event/new"
    page = client.get(url).get_data(as_text=True)
    assert "the organization&#39;s (America/Los_Angeles)" in page
    resp = client.post(
        url,
        data={
            "csrf_token": csrf(url),
            "title_en": "Picket at the Chicago depot",
            "body_en": "Bring water.",
            "title_es": "Piquete en el depósito de Chicago",
            "body_es": "Trae agua.",
            "timezone": "America/Chicago",
            "shifts": "2026-12-17 11:00, 2026-12-17 15:00, 20, Gate 3",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        action = db.session.scalars(select(Action)).one()
        shift = db.session.scalars(select(Shift)).one()
        assert action.timezone == "America/Chicago"
        assert (shift.starts_at, shift.ends_at) == (
            datetime(2026, 12, 17, 17, tzinfo=UTC),
            datetime(2026, 12, 17, 21, tzinfo=UTC),
        )
        action_id, slug = action.id, action.slug
    edit = client.get(f"/organize/local-42/actions/{action_id}/edit").get_data(as_text=True)
    assert "2026-12-17 11:00, 2026-12-17 15:00, 20, Gate 3" in edit
    assert '<option selected value="America/Chicago">' in edit

    english = client.get(f"/a/{slug}").get_data(as_text=True)
    assert "Thursday, December 17, 2026, 11:00\u202fAM–3:00\u202fPM (Chicago time)" in english
    spanish = client.get(f"/a/{slug}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "jueves, 17 de diciembre de 2026, 11:00–15:00 (hora de Chicago)" in spanish
    roster = client.get(f"/organize/local-42/actions/{action_id}/roster").get_data(as_text=True)
    assert "11:00\u202fAM–3:00\u202fPM (Chicago time)" in roster


def test_without_its_own_zone_an_event_uses_its_organizations(app, client, csrf, picket, run_jobs):
    url = f"/organize/local-42/campaigns/{picket}/event/new"
    client.post(
        url,
        data={
            "csrf_token": csrf(url),
            "title_en": "Picket in Oakland",
            "body_en": "Bring water.",
            "shifts": "2026-07-01 06:00, 2026-07-01 10:00, 20, Gate 3",
        },
    )
    with app.app_context():
        action = db.session.scalars(select(Action)).one()
        shift = db.session.scalars(select(Shift)).one()
        assert action.timezone is None
        assert shift.starts_at == datetime(2026, 7, 1, 13, tzinfo=UTC)  # PDT is UTC-7
        events.rsvp(action, Signer("Ana", "Ruiz", "ana@example.org", "94612"), [shift.id])
    run_jobs(["mail"])
    with app.app_context():
        body = db.session.scalars(select(OutboxEmail.text_body)).one()
    assert re.search(r"Wednesday, July 1, 2026, 6:00\s?AM–10:00\s?AM \(Los Angeles time\)", body)


def test_the_zone_picker_names_the_zones_people_know(app, client, picket):
    page = client.get(f"/organize/local-42/campaigns/{picket}/event/new").get_data(as_text=True)
    assert '<optgroup label="United States">' in page
    assert '<option value="America/Chicago">Central Time — Chicago</option>' in page
    assert '<option value="America/Mexico_City">Central Time — Mexico City</option>' in page
    assert '<optgroup label="Other zones">' in page and ">Europe/Madrid</option>" in page
