"""Who may open each supporter page and download: every route of the feature, for every
role and for members of another organization."""

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.mail import suppressions
from campaigns.models import Role, Suppression
from campaigns.supporters import exports, imports
from campaigns.supporters import lists as supporters
from campaigns.supporters.filters import SupporterFilter
from tests.conftest import csrf_from
from tests.factories import make_organization, make_user
from tests.supporters.data import make_supporter

ROLES = [Role.owner, Role.organizer, Role.staff, Role.viewer]
# (endpoint, method, url template, expected status per role: owner, organizer, staff, viewer)
MATRIX = [
    ("organize.supporters_page", "GET", "/organize/{org}/supporters", (200, 200, 200, 403)),
    ("organize.supporter_page", "GET", "/organize/{org}/supporters/{person}", (200, 200, 200, 403)),
    (
        "organize.tag_supporter",
        "POST",
        "/organize/{org}/supporters/{person}/tags",
        (302, 403, 302, 403),
    ),
    (
        "organize.untag_supporter",
        "POST",
        "/organize/{org}/supporters/{person}/tags/{tag}/remove",
        (302, 403, 302, 403),
    ),
    (
        "organize.erase_supporter",
        "POST",
        "/organize/{org}/supporters/{person}/erase",
        (302, 403, 302, 403),
    ),
    ("organize.tag_filtered", "POST", "/organize/{org}/supporters/tag", (302, 403, 302, 403)),
    ("organize.exports_page", "GET", "/organize/{org}/exports", (200, 403, 200, 403)),
    ("organize.new_export", "POST", "/organize/{org}/exports", (302, 403, 302, 403)),
    ("organize.export_page", "GET", "/organize/{org}/exports/{export}", (200, 403, 200, 403)),
    (
        "organize.export_status",
        "GET",
        "/organize/{org}/exports/{export}/status",
        (200, 403, 200, 403),
    ),
    (
        "organize.download_export",
        "GET",
        "/organize/{org}/exports/{export}/download/{token}",
        (200, 403, 200, 403),
    ),
    ("organize.imports_page", "GET", "/organize/{org}/imports", (200, 403, 200, 403)),
    # An upload without a file: allowed roles get the form back with its error.
    ("organize.imports_page", "POST", "/organize/{org}/imports", (422, 403, 422, 403)),
    ("organize.import_page", "GET", "/organize/{org}/imports/{upload}", (200, 403, 200, 403)),
    # A mapping without an email column: allowed roles get it back with the reason.
    ("organize.import_page", "POST", "/organize/{org}/imports/{upload}", (422, 403, 422, 403)),
    (
        "organize.import_status",
        "GET",
        "/organize/{org}/imports/{upload}/status",
        (200, 403, 200, 403),
    ),
    ("organize.retention_page", "GET", "/organize/{org}/retention", (200, 403, 403, 403)),
    # Empty limits: the owner's post saves "keep everyone" and redirects.
    ("organize.save_retention", "POST", "/organize/{org}/retention", (302, 403, 403, 403)),
    ("organize.suppressions_page", "GET", "/organize/{org}/suppressions", (200, 403, 200, 403)),
    # An address given: allowed roles add it and are redirected.
    ("organize.suppressions_page", "POST", "/organize/{org}/suppressions", (302, 403, 302, 403)),
    (
        "organize.remove_suppression",
        "POST",
        "/organize/{org}/suppressions/{suppression}/remove",
        (302, 403, 302, 403),
    ),
]
FEATURE_MODULES = {
    "campaigns.organize.supporter_routes",
    "campaigns.organize.import_routes",
    "campaigns.organize.retention_routes",
    "campaigns.organize.suppression_routes",
}


@pytest.fixture
def world(app, tmp_path):
    """Our organization with a person, a tag and a finished export; and another one."""
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    with app.app_context():
        ours = make_organization(slug="ours")
        for role in ROLES:
            make_user(ours, role, email=f"{role.value}@example.org")
        theirs = make_organization(slug="theirs")
        make_user(theirs, Role.owner, email="outsider@example.org")
        person = make_supporter(ours, (), first_name="Ours")
        tag = supporters.add_tag(ours, person, "steward")
        requester = make_user(ours, Role.staff)
        export = exports.Export(
            organization_id=ours.id,
            requested_by_id=requester.id,
            filters=SupporterFilter().to_dict(),
            columns=["email"],
        )
        db.session.add(export)
        db.session.commit()
        exports.build(export.id)
        their_person = make_supporter(theirs, (), first_name="Theirs")
        their_tag = supporters.add_tag(theirs, their_person, "steward")
        their_export = exports.Export(
            organization_id=theirs.id, requested_by_id=requester.id, columns=["email"]
        )
        db.session.add(their_export)
        db.session.commit()
        exports.build(their_export.id)
        upload = imports.upload(ours, requester, "a.csv", b"email\na@example.org\n", "x", False)
        their_upload = imports.upload(
            theirs, requester, "b.csv", b"email\nb@example.org\n", "x", False
        )
        suppressions.add(ours, requester, "x@example.org", "")
        suppression = db.session.scalar(select(Suppression))
        return {
            "ours": dict(
                org="ours",
                person=person.id,
                tag=tag.id,
                export=export.id,
                token=exports.download_token(export),
                upload=upload.id,
                suppression=suppression.id,
            ),
            "theirs": dict(
                person=their_person.id,
                tag=their_tag.id,
                export=their_export.id,
                token=exports.download_token(their_export),
                upload=their_upload.id,
            ),
        }


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    # Every organizer page carries a token in its logout form.
    token = csrf_from(client.get("/organize/account").get_data(as_text=True))
    # "confirm" unticked: an allowed erasure answers 302 back to the page, erasing nobody.
    data = {"name": "x", "columns": ["email"], "email": "s@example.org", "csrf_token": token}
    return client.post(url, data=data)


def test_the_matrix_covers_every_route_of_the_feature(app):
    """A new supporter page cannot be added without deciding here who may open it."""
    routed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].__module__ in FEATURE_MODULES
    }
    assert routed == {endpoint for endpoint, *_ in MATRIX}


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=[r.value for r in ROLES])
def test_each_role_gets_what_it_may(app, client, login, world, role_index):
    """Owners and staff manage supporters and exports; organizers read the list; viewers
    see no personal data."""
    login(f"{ROLES[role_index].value}@example.org")
    for endpoint, method, template, expected in MATRIX:
        url = template.format(**world["ours"])
        response = call(client, method, url)
        assert response.status_code == expected[role_index], (endpoint, response.status_code)


def test_another_organizations_members_get_404_everywhere(app, client, login, world):
    """A member of another organization learns nothing, not even that the pages exist."""
    login("outsider@example.org")
    for endpoint, method, template, _ in MATRIX:
        response = call(client, method, template.format(**world["ours"]))
        assert response.status_code == 404, endpoint


def test_ids_of_another_organization_are_404_under_ours(app, client, login, world):
    """Our owner cannot reach their people, tags or exports by putting their ids in our URLs."""
    login("owner@example.org")
    mixed = {**world["theirs"], "org": "ours"}
    for endpoint, method, template, _ in MATRIX:
        if not any(key in template for key in ("{person}", "{export}", "{upload}")):
            continue
        response = call(client, method, template.format(**mixed))
        assert response.status_code == 404, endpoint
    # Their tag id on our person removes nothing of theirs.
    with app.app_context():
        from sqlalchemy import func, select

        from campaigns.models import Tagging

        before = db.session.scalar(select(func.count()).select_from(Tagging))
    ours = world["ours"]
    call(
        client,
        "POST",
        f"/organize/ours/supporters/{ours['person']}/tags/{world['theirs']['tag']}/remove",
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tagging)) == before
