"""Staff import a CSV of supporters: check the file, map its columns, preview, then a job
adds or merges people, listing the rows it could not use by line and column."""

import io

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import AuditEvent, Role, Supporter, SupporterImport, utcnow
from tests.factories import make_organization, make_user
from tests.supporters.data import make_supporter

ORG = "/organize/local-1"


@pytest.fixture
def org(app, tmp_path):
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        return org.id


def upload(client, csrf, data: bytes, consent=True, name="list.csv"):
    form = {
        "csrf_token": csrf(f"{ORG}/imports"),
        "source": "Sign-up sheets, March rally",
        "file": (io.BytesIO(data), name),
    }
    if consent:
        form["consent"] = "y"
    return client.post(f"{ORG}/imports", data=form, content_type="multipart/form-data")


def supporters_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Supporter))


@pytest.mark.both_databases
def test_import_adds_merges_and_lists_broken_rows(app, client, login, csrf, run_jobs, org):
    """Good rows go in (duplicates merged by canonical email, someone who unsubscribed stays
    unsubscribed), bad rows are listed by line and column, consent and source are kept."""
    with app.app_context():
        from campaigns.models import Organization

        organization = db.session.get(Organization, org)
        make_supporter(
            organization,
            (),
            first_name="Known",
            last_name="",
            email="maria.lopez@gmail.com",
            postcode="",
            subscribed=False,
            unsubscribed_at=utcnow(),
        )
    login("staff@example.org")
    csv_text = (
        "Correo,Nombre,Apellido,ZIP,Notes\n"
        "ana@example.org,Ana,Núñez,94612,steward\n"
        "mar.ia.lopez+rally@googlemail.com,María,López,94610,\n"  # line 3: known person
        "not-an-email,Bad,Email,94612,\n"  # line 4
        ",No,Email,94612,\n"  # line 5
        "ANA@example.org,Ana,N,,duplicate of line 2\n"  # line 6
        "tom@example.org,<script>,Hale,94612,\n"  # line 7
        "\n"
        "lee@example.org,Lee,Park,123456789012345678,\n"  # line 9: postcode too long
        "kim@example.org,Kim,Diaz,60601,\n"
    )
    response = upload(client, csrf, csv_text.encode())
    assert response.status_code == 302
    page_url = response.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    # The first rows are previewed and the columns guessed; nothing imported yet.
    assert "mar.ia.lopez+rally@googlemail.com" in page
    assert '<option value="email" selected>' in page
    assert supporters_count(app) == 1
    mapping = {
        "csrf_token": csrf(page_url),
        "column-0": "email",
        "column-1": "first_name",
        "column-2": "last_name",
        "column-3": "postcode",
        "column-4": "",
    }
    assert client.post(page_url, data=mapping).status_code == 302
    assert client.get(page_url + "/status").json["status"] == "queued"
    run_jobs(["exports"])
    status = client.get(page_url + "/status").json
    assert (status["status"], status["rows_done"], status["rows_total"]) == ("done", 8, 8)
    with app.app_context():
        record = db.session.scalar(select(SupporterImport))
        assert (record.created, record.merged, record.error_count) == (2, 2, 4)
        assert [(e["line"], e["column"]) for e in record.errors] == [
            (4, "Correo"),
            (5, "Correo"),
            (7, "Nombre"),
            (9, "ZIP"),
        ]
        people = {s.email_key: s for s in db.session.scalars(select(Supporter))}
        assert set(people) == {"ana@example.org", "marialopez@gmail.com", "kim@example.org"}
        assert people["ana@example.org"].last_name == "Núñez"  # the first row's, not N
        assert people["ana@example.org"].subscribed is True
        known = people["marialopez@gmail.com"]
        assert (known.first_name, known.last_name, known.postcode) == ("Known", "López", "94610")
        assert known.subscribed is False  # unsubscribed before: the list does not override
        assert record.source == "Sign-up sheets, March rally" and record.consent is True
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "import_started" in kinds and "import_completed" in kinds
    page = client.get(page_url).get_data(as_text=True)
    assert "is not an email address" in page and "Postcode is longer than 16" in page


def test_without_consent_people_are_added_unsubscribed(app, client, login, csrf, run_jobs, org):
    """No consent ticked: the people are known but get no mail."""
    login("staff@example.org")
    response = upload(client, csrf, b"email\nrosa@example.org\n", consent=False)
    url = response.headers["Location"]
    client.post(url, data={"csrf_token": csrf(url), "column-0": "email"})
    run_jobs(["exports"])
    with app.app_context():
        assert db.session.scalar(select(Supporter.subscribed)) is False


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("email,name\nana@example.org,José\n".encode("latin-1"), "is not UTF-8 text (line 2)"),
        (b"email,Name,name\nana@example.org,A,B\n", "Two columns have the same name: name"),
        (b"email,name\n", "no rows of people"),
        (b"email,name\n\n \n", "no rows of people"),
        (b"", "The file is empty"),
    ],
    ids=["wrong-encoding", "duplicate-columns", "no-rows", "blank-rows", "empty"],
)
def test_unusable_files_change_nothing_and_say_why(app, client, login, csrf, org, data, reason):
    """A file that cannot be read as a whole is refused at upload with the reason."""
    login("staff@example.org")
    response = upload(client, csrf, data)
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SupporterImport)) == 0
    assert supporters_count(app) == 0


def test_a_mapping_without_email_changes_nothing(app, client, login, csrf, run_jobs, org):
    """Without a column chosen as the email the import does not start."""
    login("staff@example.org")
    response = upload(client, csrf, b"Who,Where\nAna,Oakland\n")
    url = response.headers["Location"]
    refused = client.post(url, data={"csrf_token": csrf(url), "column-0": "first_name"})
    assert refused.status_code == 422
    assert "Choose which column holds the email address" in refused.get_data(as_text=True)
    run_jobs(["exports"])
    assert supporters_count(app) == 0
    assert client.get(url + "/status").json["status"] == "uploaded"
