"""Files in an S3-compatible object store: exports, import uploads and share images written by
one process are read back by another through the store alone, never from a local disk."""

import io

import pytest
from sqlalchemy import select

from campaigns import create_app
from campaigns.core import storage
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Export, ExportStatus, Role, Supporter, utcnow
from campaigns.supporters.tasks import delete_expired_exports
from tests.conftest import csrf_from
from tests.factories import make_action, make_campaign, make_organization, make_user
from tests.supporters.data import make_supporter

ORG = "/organize/local-1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def org(s3_app, tmp_path):
    # Local folders that must stay empty: every file goes to the bucket.
    s3_app.config.update(
        EXPORT_FOLDER=str(tmp_path / "files" / "exports"),
        UPLOAD_FOLDER=str(tmp_path / "files" / "uploads"),
    )
    with s3_app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        return org.id


def local_files(tmp_path) -> list[str]:
    """What the local folders hold (the SQLite database sits beside them)."""
    folder = tmp_path / "files"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.both_databases
def test_an_export_is_written_to_the_bucket_and_downloaded_from_it(
    s3_app, s3_server, s3_bucket, client, login, csrf, run_jobs, org, tmp_path
):
    with s3_app.app_context():
        organization = db.session.get(type(make_organization()), org)
        for name in ("José", "Zoë", "Íñigo"):
            make_supporter(organization, (), first_name=name)
    login("staff@example.org")
    token = csrf(f"{ORG}/exports")
    response = client.post(f"{ORG}/exports", data={"columns": ["first_name"], "csrf_token": token})
    run_jobs(["exports"])
    status = client.get(response.headers["Location"] + "/status").json
    assert status["status"] == "done"
    with s3_app.app_context():
        filename = db.session.get(Export, 1).filename
    key = f"files/exports/{filename}"
    assert s3_server.keys(s3_bucket) == [key]
    assert local_files(tmp_path) == []

    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == len(download.data)
    assert download.data == s3_server.read(s3_bucket, key)
    header, *rows = download.data.decode("utf-8-sig").splitlines()
    assert header == "First name"
    assert sorted(rows) == sorted(["José", "Zoë", "Íñigo"])

    # Expired: the object goes, the row stays as the record of what was exported.
    with s3_app.app_context():
        export = db.session.get(Export, 1)
        export.expires_at = utcnow()
        db.session.commit()
        assert delete_expired_exports() == 1
        assert db.session.get(Export, 1).status == ExportStatus.expired
    assert s3_server.keys(s3_bucket) == []


def test_a_missing_object_is_said_not_served(
    s3_app, s3_server, s3_bucket, client, login, csrf, run_jobs, org
):
    """Someone emptied the bucket: the organizer is told to make a new export, no 500."""
    login("staff@example.org")
    token = csrf(f"{ORG}/exports")
    response = client.post(f"{ORG}/exports", data={"columns": ["email"], "csrf_token": token})
    run_jobs(["exports"])
    status = client.get(response.headers["Location"] + "/status").json
    for key in s3_server.keys(s3_bucket):
        s3_server.client().delete_object(Bucket=s3_bucket, Key=key)
    gone = client.get(status["download_url"], follow_redirects=True)
    assert gone.status_code == 200
    assert "This export&#39;s file is gone. Make a new one." in gone.get_data(as_text=True)


def test_an_import_file_waits_in_the_bucket_until_it_has_run(
    s3_app, s3_server, s3_bucket, client, login, csrf, run_jobs, org, tmp_path
):
    login("staff@example.org")
    upload = client.post(
        f"{ORG}/imports",
        data={
            "csrf_token": csrf(f"{ORG}/imports"),
            "source": "Rally sheets",
            "consent": "y",
            "file": (io.BytesIO("email,first_name\nana@example.org,Ána\n".encode()), "l.csv"),
        },
        content_type="multipart/form-data",
    )
    page_url = upload.headers["Location"]
    assert [k.split("/")[1] for k in s3_server.keys(s3_bucket)] == ["imports"]
    assert "ana@example.org" in client.get(page_url).get_data(as_text=True)  # the preview
    mapping = {"csrf_token": csrf(page_url), "column-0": "email", "column-1": "first_name"}
    assert client.post(page_url, data=mapping).status_code == 302
    run_jobs(["exports"])
    with s3_app.app_context():
        assert db.session.scalars(select(Supporter.first_name)).all() == ["Ána"]
    assert s3_server.keys(s3_bucket) == []
    assert local_files(tmp_path) == []


def test_a_share_image_uploaded_through_one_app_is_served_by_another(
    s3_app, s3_server, s3_bucket, client, login, tmp_path
):
    with s3_app.app_context():
        org = make_organization()
        email = make_user(org).email
        action = make_action(ActionKind.event, make_campaign(org))
        org_slug, action_id = org.slug, action.id
    login(email)
    page = f"/organize/{org_slug}/actions/{action_id}/embed"
    token = csrf_from(client.get(page).get_data(as_text=True))
    posted = client.post(
        f"/organize/{org_slug}/actions/{action_id}/image",
        data={"csrf_token": token, "image": (io.BytesIO(PNG), "p.png")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    with s3_app.app_context():
        name = db.session.get(Action, action_id).share_image
    assert s3_server.keys(s3_bucket) == [f"files/uploads/{name}"]

    # Another node: its own instance folder, the same database and bucket.
    other = create_app(
        {
            **{k: s3_app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL")},
            **{k: v for k, v in s3_app.config.items() if k.startswith("STORAGE_")},
            "SECRET_KEY": "another node",
            "TESTING": True,
            "UPLOAD_FOLDER": str(tmp_path / "elsewhere"),
        }
    )
    image = other.test_client().get(f"/media/{name}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.get_data() == PNG
    assert "max-age=604800" in image.headers["Cache-Control"]
    assert other.test_client().get("/media/" + "A" * 24 + ".png").status_code == 404
    with other.app_context():
        db.engine.dispose()


def test_an_unreachable_store_is_reported(app, s3_server, tmp_path):
    """check() is what readiness asks; it names the store's failure."""
    app.config.update(STORAGE_URL="s3://no-such-bucket/x", **s3_server.environment())
    with app.app_context():
        with pytest.raises(storage.StorageError):
            storage.current().check()
        app.config["STORAGE_ENDPOINT_URL"] = "http://127.0.0.1:1"
        app.extensions.pop("storage")
        with pytest.raises(storage.StorageError):
            storage.current().put("uploads", "x.png", b"x")


def test_the_local_store_checks_its_folders(app, tmp_path):
    app.config.update(STORAGE_URL="", EXPORT_FOLDER=str(tmp_path / "e"))
    app.extensions.pop("storage", None)
    with app.app_context():
        storage.current().check()
        assert (tmp_path / "e" / "imports").is_dir()
        blocker = tmp_path / "blocked"
        blocker.write_text("a file where a folder should be")
        app.config["EXPORT_FOLDER"] = str(blocker)
        app.extensions.pop("storage")
        with pytest.raises(storage.StorageError, match="not writable"):
            storage.current().check()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"STORAGE_URL": "https://bucket.example/x"}, "s3://bucket/prefix"),
        ({"STORAGE_URL": "s3:///prefix"}, "s3://bucket/prefix"),
        ({"STORAGE_ADDRESSING_STYLE": "sideways"}, "path, virtual or auto"),
    ],
)
def test_a_malformed_storage_setting_stops_the_start(app, settings, message):
    with pytest.raises(ValueError, match=message):
        create_app(
            {
                "SECRET_KEY": "x",
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                **settings,
            }
        )
