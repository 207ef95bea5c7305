import io

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Directory, PostcodeDistrict, Role, Target
from tests.factories import make_organization, make_user

TARGETS = "name,title,email,district\nRosa Ward-One,Council member,rosa@oakland.example,OAK-1\n"
BAD_TARGETS = (
    "name,title,email,district\n"
    "Rosa Ward-One,Council member,rosa@oakland.example,OAK-1\n"
    "Tom Ward-Two,Council member,not-an-email,OAK-2\n"
)


@pytest.fixture
def organizer(app, login):
    with app.app_context():
        make_user(make_organization(slug="local-9"), Role.organizer, email="org@example.org")
    login("org@example.org")
    return "/organize/local-9/directories"


def upload(client, csrf, url, kind, fmt, text, name="file.csv"):
    return client.post(
        url,
        data={
            "kind": kind,
            "file_format": fmt,
            "file": (io.BytesIO(text.encode("utf-8")), name),
            "csrf_token": csrf(url),
        },
        content_type="multipart/form-data",
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def make_directory(client, csrf, organizer) -> str:
    resp = client.post(organizer, data={"name": "Oakland council", "csrf_token": csrf(organizer)})
    assert resp.status_code == 302
    return resp.headers["Location"]


def test_organizer_creates_a_directory_and_uploads_its_files(app, client, csrf, organizer):
    """Targets and postcodes upload from the browser and are counted on the page."""
    assert "No directories yet" in client.get(organizer).get_data(as_text=True)
    url = make_directory(client, csrf, organizer)
    resp = upload(client, csrf, url, "targets", "generic", TARGETS)
    assert resp.status_code == 302
    resp = upload(client, csrf, url, "postcodes", "generic", "postcode,district\n94612,OAK-1\n")
    page = client.get(url).get_data(as_text=True)
    assert 'data-stat="targets">1<' in page and 'data-stat="postcodes">1<' in page
    assert count(app, PostcodeDistrict) == 1


def test_a_bad_row_imports_nothing_and_says_where(app, client, csrf, organizer):
    """One bad email and nothing is imported; the page names the line and column."""
    url = make_directory(client, csrf, organizer)
    resp = upload(client, csrf, url, "targets", "generic", BAD_TARGETS)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "line 3, column email" in html
    assert count(app, Target) == 0


def test_real_legislators_file_slice(app, client, csrf, organizer):
    """The congress-legislators layout uploads, with no emails (Congress publishes none)."""
    from pathlib import Path

    url = make_directory(client, csrf, organizer)
    data = (Path(__file__).parent.parent / "data" / "legislators-slice.csv").read_text()
    assert upload(client, csrf, url, "targets", "legislators", data).status_code == 302
    with app.app_context():
        targets = db.session.scalars(select(Target)).all()
        assert targets and all(t.email is None for t in targets)


def test_format_must_fit_the_kind(app, client, csrf, organizer):
    """A zccd file offered as targets is refused before anything is read."""
    url = make_directory(client, csrf, organizer)
    resp = upload(client, csrf, url, "targets", "zccd", "state_fips,state_abbr,zcta,cd\n")
    assert resp.status_code == 422
    assert "That format does not hold that kind of data." in resp.get_data(as_text=True)


def test_not_utf8_is_refused_clearly(app, client, csrf, organizer):
    """A file saved in another encoding is refused with a hint, importing nothing."""
    url = make_directory(client, csrf, organizer)
    resp = client.post(
        url,
        data={
            "kind": "targets",
            "file_format": "generic",
            "file": (
                io.BytesIO("name,title,email,district\nJosé,x,,A\n".encode("latin-1")),
                "f.csv",
            ),
            "csrf_token": csrf(url),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "not UTF-8" in resp.get_data(as_text=True)
    assert count(app, Target) == 0


def test_other_organizations_directories_are_404(app, client, login):
    """A directory of another organization cannot be seen or uploaded to."""
    with app.app_context():
        theirs = Directory(organization_id=make_organization().id, name="Theirs")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
        make_user(make_organization(slug="mine"), Role.owner, email="me@example.org")
    login("me@example.org")
    assert client.get(f"/organize/mine/directories/{theirs_id}").status_code == 404
