"""Who may see the district map and who may upload its boundaries: every route of the
feature, for every role and for members of another organization."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaigns.extensions import db
from campaigns.models import Directory, LetterSettings, Role
from campaigns.tracking import district_maps
from tests.conftest import csrf_from
from tests.factories import make_council_letter, make_organization, make_user

ROLES = [Role.owner, Role.organizer, Role.staff, Role.viewer]
FIXTURE = Path(__file__).parent.parent / "data" / "oakland-wards.geojson"
# (endpoint, method, url template, expected status per role: owner, organizer, staff, viewer)
MATRIX = [
    (
        "organize.action_sources",
        "GET",
        "/organize/{org}/actions/{action}/sources",
        (200, 200, 200, 200),
    ),
    (
        "organize.campaign_sources",
        "GET",
        "/organize/{org}/campaigns/{campaign}/sources",
        (200, 200, 200, 200),
    ),
    (
        "organize.boundaries",
        "GET",
        "/organize/{org}/directories/{directory}/boundaries",
        (200, 200, 403, 403),
    ),
    # No file: allowed roles get the form back with its error, and nothing changes.
    (
        "organize.boundaries",
        "POST",
        "/organize/{org}/directories/{directory}/boundaries",
        (422, 422, 403, 403),
    ),
    (
        "organize.delete_boundaries",
        "POST",
        "/organize/{org}/directories/{directory}/boundaries/delete",
        (302, 302, 403, 403),
    ),
]
FEATURE_MODULES = {"campaigns.organize.boundary_routes"}


@pytest.fixture
def world(app):
    """Our council letter with its directory's boundaries, a member per role; an outsider."""
    with app.app_context():
        letter = make_council_letter()
        ours = letter.campaign.organization
        for role in ROLES:
            make_user(ours, role, email=f"{role.value}@example.org")
        owner = make_user(ours, Role.owner)
        make_user(make_organization(), Role.owner, email="outsider@example.org")
        directory_id = db.session.get(LetterSettings, letter.id).directory_id
        directory = db.session.get(Directory, directory_id)
        with FIXTURE.open("rb") as stream:
            district_maps.save(ours, directory, stream, None, owner)
        return {
            "org": ours.slug,
            "action": letter.id,
            "campaign": letter.campaign_id,
            "directory": directory_id,
        }


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    # Every organizer page carries a token in its logout form.
    token = csrf_from(client.get("/organize/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def test_the_matrix_covers_every_route_of_the_feature(app):
    """A new boundaries page cannot be added without deciding here who may open it."""
    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].__module__ in FEATURE_MODULES
    }
    assert routed | {"organize.action_sources", "organize.campaign_sources"} == {
        endpoint for endpoint, *_ in MATRIX
    }


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=[r.value for r in ROLES])
def test_each_role_gets_what_it_may(app, client, login, world, role_index):
    """Every member sees the map; owners and organizers, who manage directories, upload."""
    login(f"{ROLES[role_index].value}@example.org")
    for _, _, template, _ in MATRIX[:2]:  # the action's and the campaign's sources pages
        sources = client.get(template.format(**world)).get_data(as_text=True)
        assert len(re.findall(r'<path class="q\d" data-district=', sources)) == 4
    for endpoint, method, template, expected in MATRIX:
        response = call(client, method, template.format(**world))
        assert response.status_code == expected[role_index], (endpoint, response.status_code)


def test_another_organizations_members_get_404_everywhere(app, client, login, world):
    """A member of another organization learns nothing, not even that the pages exist."""
    login("outsider@example.org")
    for endpoint, method, template, _ in MATRIX:
        response = call(client, method, template.format(**world))
        assert response.status_code == 404, endpoint
    # Their boundaries are still there.
    with app.app_context():
        assert district_maps.shapes_of([world["directory"]])
