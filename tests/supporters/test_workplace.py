"""Staff find and export supporters by where they work."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Organization, Role, Submission, utcnow
from campaigns.supporters import filters as supporter_filters
from campaigns.supporters.filters import SupporterFilter
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

ORG = "/organize/local-1"


@pytest.fixture
def workers(app, tmp_path):
    """Three workers at two employers, one person with no workplace, one elsewhere."""
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.staff, email="staff@example.org")
        petition = make_petition(make_campaign(org))
        other_org = make_organization()
        elsewhere = make_petition(make_campaign(other_org))
        ids = {
            "ana": make_supporter(
                org,
                (petition,),
                first_name="Ana",
                workplace={"employer": "Acme Logistics", "worksite": "OAK4 Warehouse"},
            ).id,
            "bea": make_supporter(
                org,
                (petition,),
                first_name="Bea",
                workplace={"employer": "acme logistics ", "worksite": "SFO2"},
            ).id,
            "cal": make_supporter(
                org,
                (petition,),
                first_name="Cal",
                workplace={"employer": "Acme Logistics Canada", "worksite": "YVR1"},
            ).id,
            "dee": make_supporter(org, (petition,), first_name="Dee").id,
        }
        make_supporter(other_org, (elsewhere,), workplace={"employer": "Acme Logistics"})
        return {"org": org.id, **ids}


def matching(workers, **filters) -> set[str]:
    names = {v: k for k, v in workers.items() if k != "org"}
    f = SupporterFilter.from_dict(filters)
    return {
        names[i] for i in db.session.scalars(supporter_filters.supporter_ids(workers["org"], f))
    }


@pytest.mark.both_databases
def test_employer_and_worksite_filters(app, workers):
    """Employer and worksite narrow the list by "contains" (the default) or "equals", both
    ignoring case, within the organization only."""
    with app.app_context():
        assert matching(workers, employer="acme") == {"ana", "bea", "cal"}
        assert matching(workers, employer="Acme Logistics", workplace_match="equals") == {
            "ana",
            "bea",
        }
        assert matching(workers, worksite="oak4") == {"ana"}
        assert matching(workers, worksite="oak4", workplace_match="equals") == set()
        assert matching(workers, employer="acme", worksite="yvr") == {"cal"}
        assert matching(workers, employer="100%") == set()
        # A match mode alone filters nothing.
        assert matching(workers, workplace_match="equals") == {"ana", "bea", "cal", "dee"}
        assert not SupporterFilter.from_dict({"workplace_match": "equals"}).active


def test_list_page_filters_by_worksite(app, client, login, workers):
    """The supporter list page has the workplace filters and counts what they pick."""
    login("staff@example.org")
    html = client.get(f"{ORG}/supporters?worksite=SFO").get_data(as_text=True)
    assert 'name="employer"' in html and 'name="workplace_match"' in html
    assert "<strong>1</strong> person match these filters" in html


@pytest.mark.both_databases
def test_export_has_workplace_columns_neutralized(app, client, login, csrf, run_jobs, workers):
    """The export's workplace columns come from the person's newest submission that gave one,
    and a cell starting like a formula gets a leading quote."""
    with app.app_context():
        org = db.session.get(Organization, workers["org"])
        later = make_petition(make_campaign(org))
        db.session.add(
            Submission(
                action_id=later.id,
                supporter_id=workers["ana"],
                created_at=utcnow() + timedelta(minutes=5),
                employer='=HYPERLINK("http://evil","x")',
                worksite="OAK5",
                department="-Returns",
                work_shift="@night",
            )
        )
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Submission)) == 6
    login("staff@example.org")
    columns = ["first_name", "employer", "worksite", "department", "work_shift"]
    token = csrf(f"{ORG}/exports")
    resp = client.post(f"{ORG}/exports", data={"columns": columns, "csrf_token": token})
    assert resp.status_code == 302
    run_jobs(["exports"])
    status = client.get(resp.headers["Location"] + "/status").json
    data = client.get(status["download_url"]).data
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    assert rows[0] == ["First name", "Employer", "Worksite", "Department", "Shift"]
    assert rows[1:] == [
        ["Ana", '\'=HYPERLINK("http://evil","x")', "OAK5", "'-Returns", "'@night"],
        ["Bea", "acme logistics ", "SFO2", "", ""],
        ["Cal", "Acme Logistics Canada", "YVR1", "", ""],
        ["Dee", "", "", "", ""],
    ]
