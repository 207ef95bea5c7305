"""Staff export a filtered supporter list as CSV: a job builds it with progress, the cells
are safe to open in a spreadsheet, the link expires, and every export is audited."""

import csv
import io
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from campaigns.extensions import db
from campaigns.models import AuditEvent, Export, ExportStatus, Role, Supporter, utcnow
from campaigns.organize import sessions
from campaigns.supporters import exports
from campaigns.supporters.filters import SupporterFilter
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

ORG = "/organize/local-1"


@pytest.fixture
def org(app, tmp_path):
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        make_user(org, Role.owner, email="owner@example.org")
        return org.id


def request_export(client, csrf, columns, query=""):
    token = csrf(f"{ORG}/exports{query}")
    return client.post(f"{ORG}/exports{query}", data={"columns": columns, "csrf_token": token})


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


@pytest.mark.both_databases
def test_staff_export_the_filtered_list_with_chosen_columns(
    app, client, login, csrf, run_jobs, org
):
    """The file holds the chosen columns of exactly the filtered people, accents intact,
    and the status says how many rows were written."""
    with app.app_context():
        organization = db.session.get(type(make_organization()), org)
        petition = make_petition(make_campaign(organization))
        make_supporter(
            organization,
            (petition,),
            first_name="José",
            last_name="Núñez",
            postcode="94612",
            email="jose@example.org",
        )
        make_supporter(organization, (petition,), first_name="Zoë", postcode="10001")
        make_supporter(organization, (), first_name="Íñigo", postcode="94610")
        action_id = petition.id
    login("staff@example.org")
    response = request_export(
        client,
        csrf,
        ["first_name", "last_name", "email", "actions"],
        f"?action_id={action_id}&postcode=946",
    )
    assert response.status_code == 302
    export_url = response.headers["Location"]
    assert client.get(export_url + "/status").json["status"] == "queued"
    run_jobs(["exports"])
    status = client.get(export_url + "/status").json
    assert status["status"] == "done"
    assert (status["rows_done"], status["rows_total"], status["percent"]) == (1, 1, 100)
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    assert rows_of(download.data) == [
        ["First name", "Last name", "Email", "Actions taken"],
        ["José", "Núñez", "jose@example.org", "1"],
    ]


@pytest.mark.both_databases
def test_cells_that_start_like_formulas_are_neutralized(app, client, login, csrf, run_jobs, org):
    """Cells starting with = + - @ tab or carriage return get a leading quote (OWASP CSV
    injection); other cells, and such characters later in a cell, are left alone."""
    typed = {
        '=HYPERLINK("http://evil","x")': '\'=HYPERLINK("http://evil","x")',
        "+1 555": "'+1 555",
        "-2+3": "'-2+3",
        "@SUM(A1)": "'@SUM(A1)",
        "\tTab": "'\tTab",
        "\rReturn": "'\rReturn",
        "Ana=Maria": "Ana=Maria",
        "O'Brien": "O'Brien",
    }
    with app.app_context():
        organization = db.session.get(type(make_organization()), org)
        for n, value in enumerate(typed):
            make_supporter(
                organization, (), first_name=value, city="@Oakland" if n == 0 else "Oakland"
            )
        from campaigns.supporters import lists as supporters

        person = db.session.scalar(select(Supporter).order_by(Supporter.id).limit(1))
        supporters.add_tag(organization, person, "=cmd|' /C calc'!A0")
    login("staff@example.org")
    request_export(client, csrf, ["first_name", "city", "tags"])
    run_jobs(["exports"])
    status = client.get(f"{ORG}/exports/1/status").json
    rows = rows_of(client.get(status["download_url"]).data)
    assert [row[0] for row in rows[1:]] == list(typed.values())
    assert rows[1][1] == "'@Oakland" and rows[2][1] == "Oakland"
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


def test_export_needs_a_recent_password(app, client, login, csrf, org):
    """An export asked for long after the login sends the person to re-enter their password,
    and nothing is queued."""
    login("staff@example.org")
    token = csrf(f"{ORG}/exports")
    with client.session_transaction() as session:
        session[sessions.AUTH_AT] = session[sessions.AUTH_AT] - 3600
    response = client.post(f"{ORG}/exports", data={"columns": ["email"], "csrf_token": token})
    assert "/organize/reauth" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Export)) == 0


def test_every_export_is_audited_and_shown_to_owners(app, client, login, csrf, run_jobs, org):
    """Asking, finishing and downloading are audit events with the filters and rows, on the
    owners' audit page; no supporter data is in them."""
    with app.app_context():
        organization = db.session.get(type(make_organization()), org)
        make_supporter(organization, (), first_name="Secretname", locale="es")
    login("staff@example.org")
    request_export(client, csrf, ["first_name"], "?language=es")
    run_jobs(["exports"])
    client.get(client.get(f"{ORG}/exports/1/status").json["download_url"])
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        by_kind = {e.kind: e for e in events}
        assert by_kind["export_requested"].details == {
            "filters": {"language": "es"},
            "columns": ["first_name"],
        }
        assert by_kind["export_completed"].details["rows"] == 1
        assert by_kind["export_downloaded"].details["rows"] == 1
        assert all(
            e.actor.email == "staff@example.org" for e in events if e.kind.startswith("export")
        )
    client.post("/organize/logout", data={"csrf_token": csrf(f"{ORG}/exports")})
    login("owner@example.org")
    page = client.get(f"{ORG}/audit").get_data(as_text=True)
    assert "Asked for a supporter export" in page and "Downloaded a supporter export" in page
    assert "language: es" in page or "&#39;language&#39;: &#39;es&#39;" in page
    assert "Secretname" not in page


def test_download_links_expire_and_files_are_deleted(app, client, login, csrf, run_jobs, org):
    """An old link is refused; after the retention the cleanup job deletes the file and the
    export says so."""
    with app.app_context():
        make_supporter(db.session.get(type(make_organization()), org), ())
    login("staff@example.org")
    request_export(client, csrf, ["email"])
    run_jobs(["exports"])
    link = client.get(f"{ORG}/exports/1/status").json["download_url"]
    app.config["EXPORT_LINK_MINUTES"] = 0
    import time

    time.sleep(1.1)
    refused = client.get(link, follow_redirects=True)
    assert "This download link has expired" in refused.get_data(as_text=True)
    app.config["EXPORT_LINK_MINUTES"] = 15
    with app.app_context():
        export = db.session.get(Export, 1)
        path = Path(app.config["EXPORT_FOLDER"]) / export.filename
        assert path.exists()
        from campaigns.supporters.tasks import delete_expired_exports

        assert delete_expired_exports() == 0
        export.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert delete_expired_exports() == 1
        assert not path.exists()
        assert db.session.get(Export, 1).status == ExportStatus.expired
    fresh_link = client.get(f"{ORG}/exports/1/status").json["download_url"]
    assert fresh_link is None
    gone = client.get(link.replace("/1/", "/1/"), follow_redirects=True)
    assert "no longer available" in gone.get_data(as_text=True)


def test_cleanup_is_scheduled():
    """The cron scheduler runs the cleanup of expired export files."""
    from campaigns.supporters.tasks import delete_expired_exports
    from campaigns.worker import periodic_jobs

    assert any(job is delete_expired_exports for job, _, _ in periodic_jobs())


def _generate(organization_id: int, count: int) -> None:
    """`count` supporters in one statement per 5,000, fast enough for a test."""
    now = utcnow()
    for start in range(0, count, 5000):
        db.session.execute(
            insert(Supporter),
            [
                {
                    "organization_id": organization_id,
                    "email": f"p{n}@example.org",
                    "email_key": f"p{n}@example.org",
                    "first_name": f"Person{n}",
                    "last_name": "García",
                    "postcode": "94612",
                    "city": "Oakland",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(count, start + 5000))
            ],
        )
    db.session.commit()


def _peak_while_exporting(app, organization_id: int) -> tuple[int, int]:
    with app.app_context():
        user = make_user()
        organization = db.session.get(type(make_organization()), organization_id)
        export = exports.Export(
            organization_id=organization.id,
            requested_by_id=user.id,
            filters=SupporterFilter().to_dict(),
            columns=list(exports.COLUMNS),
        )
        db.session.add(export)
        db.session.commit()
        export_id = export.id
        db.session.expunge_all()
        tracemalloc.start()
        try:
            built = exports.build(export_id)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return built.rows_done, peak


@pytest.mark.both_databases
def test_memory_stays_flat_however_long_the_list(app, org, monkeypatch):
    """Exporting 20,000 people peaks at about the memory of exporting 2,000: the rows are
    written batch by batch, never held together."""
    monkeypatch.setattr(exports, "BATCH_IDS", 1000)
    with app.app_context():
        small_org = make_organization().id
        _generate(small_org, 2_000)
        _generate(org, 20_000)
    small_rows, small_peak = _peak_while_exporting(app, small_org)
    big_rows, big_peak = _peak_while_exporting(app, org)
    assert (small_rows, big_rows) == (2_000, 20_000)
    # Ten times the rows, not ten times the memory; and well under what 20,000 rows held
    # in memory would take (several megabytes).
    assert big_peak < small_peak * 1.5 + 200_000, (small_peak, big_peak)
    assert big_peak < 2_000_000, big_peak
