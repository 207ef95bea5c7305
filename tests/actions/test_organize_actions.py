import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Campaign, CampaignStatus, Role, Shift
from tests.factories import (
    make_action,
    make_campaign,
    make_event,
    make_organization,
    make_petition,
    make_user,
)


@pytest.fixture
def setup(app, login):
    with app.app_context():
        org = make_organization()
        email = make_user(org).email
        campaign = make_campaign(org)
        info = {"org": org.slug, "campaign": campaign.id, "org_id": org.id}
    login(email)
    return info


def test_organizer_creates_a_pledge_and_a_story_collection(app, client, csrf, setup):
    """An organizer adds a pledge and a story collection to a campaign in two languages."""
    for kind, title in (("pledge", "No overtime on strike days"), ("story", "Your shift, told")):
        url = f"/organize/{setup['org']}/campaigns/{setup['campaign']}/{kind}/new"
        resp = client.post(
            url,
            data={
                "csrf_token": csrf(url),
                "title_en": title,
                "body_en": "Words.",
                "title_es": "Título",
                "body_es": "Palabras.",
            },
        )
        assert resp.status_code == 302
    with app.app_context():
        kinds = db.session.scalars(select(Action.kind).order_by(Action.id)).all()
        assert kinds == [ActionKind.pledge, ActionKind.story]


@pytest.mark.parametrize(
    ("shifts", "message"),
    [
        ("", "Add at least one shift."),
        ("tomorrow, later, 5", "times look like 2026-12-01 09:00 (UTC)"),
        ("2031-01-01 10:00, 2031-01-01 09:00, 5, Gate", "the end must come after the start"),
        ("2031-01-01 10:00, 2031-01-01 12:00, none, Gate", "capacity is a whole number"),
        ("2031-01-01 10:00", "write start, end, capacity, place or link"),
    ],
)
def test_bad_event_form_is_refused_and_nothing_written(app, client, csrf, setup, shifts, message):
    """Bad shift lines come back 422 naming the line, and no event or shift is stored."""
    url = f"/organize/{setup['org']}/campaigns/{setup['campaign']}/event/new"
    resp = client.post(
        url,
        data={"csrf_token": csrf(url), "title_en": "Picket", "body_en": "Come", "shifts": shifts},
    )
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Action)).first() is None
        assert db.session.scalars(select(Shift)).first() is None


def test_bad_pledge_form_is_refused(app, client, csrf, setup):
    """A pledge without an English title is refused with 422 and not stored."""
    url = f"/organize/{setup['org']}/campaigns/{setup['campaign']}/pledge/new"
    resp = client.post(url, data={"csrf_token": csrf(url), "title_en": "", "body_en": "x"})
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Action)).first() is None


def test_editing_an_event_keeps_rsvps_of_unchanged_shifts(app, client, csrf, setup):
    """Editing an event shows its shifts as lines; saving keeps shifts whose start stays."""
    from campaigns.events import rsvps as events
    from campaigns.submissions.signing import Signer

    with app.app_context():
        campaign = db.session.get(Campaign, setup["campaign"])
        action = make_event(campaign, shifts=[(3, 4)])
        shift = events.shifts_of(action)[0]
        events.rsvp(action, Signer("Ana", "R", "ana@example.org", "94612"), [shift.id])
        action_id, line = action.id, events.format_shift_lines(action)
    url = f"/organize/{setup['org']}/actions/{action_id}/edit"
    assert line in client.get(url).get_data(as_text=True)
    resp = client.post(
        url,
        data={
            "csrf_token": csrf(url),
            "title_en": "Picket",
            "body_en": "Come",
            "shifts": line.replace(", 3, ", ", 9, ") + "\n2031-05-01 08:00, 2031-05-01 09:00, 2",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        rows = events.shifts_of(action_id)
        assert [s.capacity for s in rows] == [9, 2]
        assert len(rows[0].rsvps) == 1


def test_viewer_cannot_open_the_roster(app, client, login):
    """A roster names people: a viewer gets 403, an organizer sees it."""
    with app.app_context():
        org = make_organization()
        viewer = make_user(org, role=Role.viewer).email
        action = make_event(make_campaign(org))
        url = f"/organize/{org.slug}/actions/{action.id}/roster"
    login(viewer)
    assert client.get(url).status_code == 403
    assert client.get(url.replace("roster", "roster.csv")).status_code == 403


def test_index_filters_by_kind_organization_and_language(app, client):
    """The index lists live campaigns, filtered by kind, organization and language."""
    with app.app_context():
        north, south = make_organization(name="North"), make_organization(name="South")
        make_petition(make_campaign(north, title="Petition campaign"), title_es="Petición")
        make_event(make_campaign(south, title="Event campaign"))
        make_action(
            ActionKind.pledge, make_campaign(south, title="Draft", status=CampaignStatus.draft)
        )
        north_slug = north.slug

    def titles(query):
        html = client.get(f"/?{query}").get_data(as_text=True)
        return {t for t in ("Petition campaign", "Event campaign", "Draft") if t in html}

    assert titles("") == {"Petition campaign", "Event campaign"}
    assert titles("kind=event") == {"Event campaign"}
    assert titles("kind=pledge") == set()
    assert titles(f"organization={north_slug}") == {"Petition campaign"}
    assert titles("language=es") == {"Petition campaign"}
    assert titles("kind=bogus") == {"Petition campaign", "Event campaign"}
