import io

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, ActionKind
from tests.conftest import csrf_from
from tests.factories import make_action, make_campaign, make_organization, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def organizer(app, tmp_path, login):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        org = make_organization()
        email = make_user(org).email
        action = make_action(ActionKind.event, make_campaign(org))
        info = {"org": org.slug, "id": action.id, "slug": action.slug}
    login(email)
    return info


def upload(client, organizer, data: bytes, name="picture.png"):
    page = f"/organize/{organizer['org']}/actions/{organizer['id']}/embed"
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(
        f"/organize/{organizer['org']}/actions/{organizer['id']}/image",
        data={"csrf_token": token, "image": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploaded_share_image_is_served_and_in_the_meta(app, client, organizer):
    """An uploaded PNG is served by its own route and named in the page's Open Graph and
    Twitter card meta."""
    assert upload(client, organizer, PNG).status_code == 302
    with app.app_context():
        name = db.session.get(Action, organizer["id"]).share_image
    assert name.endswith(".png")
    image = client.get(f"/media/{name}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.get_data() == PNG
    html = client.get(f"/a/{organizer['slug']}").get_data(as_text=True)
    assert f'property="og:image" content="http://campaigns.test/media/{name}"' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert 'property="og:title"' in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<svg onload=alert(1)></svg>", "evil.png", "Upload a PNG or JPEG image."),
        (b"GIF89a" + b"\x00" * 10, "a.gif", "Upload a PNG or JPEG image."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "big.png", "larger than 2 MB"),
    ],
)
def test_bad_uploads_are_refused(app, client, organizer, data, name, message):
    """Anything but a PNG or JPEG (told by its bytes), or over 2 MB, is refused with 422."""
    resp = upload(client, organizer, data, name)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Action.share_image)).one() == ""


def test_media_route_serves_only_names_it_gave(client, organizer):
    """Paths and made-up names are 404."""
    for name in ("..%2Fsecret_key", "secret_key", "x.png", "a" * 20 + ".svg"):
        assert client.get(f"/media/{name}").status_code == 404
