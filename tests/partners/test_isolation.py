"""Partner isolation: a partner's staff see and export only the people who opted in to them,
never the host's list; the host never sees the partner's; each sees its own figures."""

from __future__ import annotations

import csv
import io
import re

import pytest

from campaigns.extensions import db
from campaigns.models import Organization
from tests.partners.conftest import confirm, partner_supporters, sign_form, submission_of


@pytest.fixture
def shared(app, client, coalition, run_jobs, tmp_path):
    """Rosa opted in to the Fair Food Coalition and confirmed; Ben signed without ticking;
    Carla ticked but has not confirmed. Returns ids: host people, the partner's Rosa."""
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    food = [coalition.food_id]
    sign_form(client, coalition.slug, partners=food, email="rosa@example.org", first_name="Rosa")
    sign_form(client, coalition.slug, email="ben@example.org", first_name="Ben")
    sign_form(client, coalition.slug, partners=food, email="carla@example.org", first_name="Ca")
    confirm(client, app, "rosa@example.org")
    confirm(client, app, "ben@example.org")
    run_jobs()
    with app.app_context():
        [theirs] = partner_supporters(coalition.food_id)
        return {
            "rosa": submission_of("rosa@example.org").supporter_id,
            "ben": submission_of("ben@example.org").supporter_id,
            "carla": submission_of("carla@example.org").supporter_id,
            "their_rosa": theirs.id,
        }


def test_the_partner_sees_only_who_opted_in_to_it(app, client, login, coalition, shared):
    """The partner's Supporters list holds Rosa, confirmed and opted in, and no one else."""
    login("food@example.org")
    html = client.get("/organize/fair-food/supporters").get_data(as_text=True)
    assert "rosa@example.org" in html
    assert "ben@example.org" not in html and "carla@example.org" not in html
    person = client.get(f"/organize/fair-food/supporters/{shared['their_rosa']}")
    assert person.status_code == 200
    assert "Heat safety at Acme" in person.get_data(as_text=True)  # where they joined


def test_partner_staff_cannot_reach_the_hosts_people(app, client, login, coalition, shared):
    """The host's list, person pages and exports are 404 to the partner, by either URL."""
    login("food@example.org")
    for url in (
        "/organize/local-7/supporters",
        f"/organize/local-7/supporters/{shared['rosa']}",
        "/organize/local-7/exports",
        f"/organize/fair-food/supporters/{shared['rosa']}",
        f"/organize/fair-food/supporters/{shared['ben']}",
        f"/organize/local-7/campaigns/{coalition.campaign_id}/partners",
    ):
        assert client.get(url).status_code == 404, url


def test_the_host_cannot_reach_the_partners_people(app, client, login, coalition, shared):
    login("host@example.org")
    assert client.get(f"/organize/local-7/supporters/{shared['their_rosa']}").status_code == 404
    assert client.get("/organize/fair-food/supporters").status_code == 404
    assert client.get("/organize/fair-food/co-sponsored").status_code == 404


def export_rows(
    client, csrf, run_jobs, org: str, query: str = "", columns=("email",)
) -> list[list[str]]:
    url = f"/organize/{org}/exports{query}"
    resp = client.post(url, data={"columns": list(columns), "csrf_token": csrf(url)})
    assert resp.status_code == 302
    run_jobs(["exports"])
    status = client.get(resp.headers["Location"] + "/status").json
    data = client.get(status["download_url"]).data
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


@pytest.mark.both_databases
def test_the_partners_export_holds_only_its_opt_ins(
    app, client, login, csrf, run_jobs, coalition, shared
):
    """An export by the partner's staff has Rosa's row and nothing of the host's list."""
    login("food@example.org")
    assert export_rows(client, csrf, run_jobs, "fair-food") == [
        ["Email"],
        ["rosa@example.org"],
    ]


@pytest.mark.both_databases
def test_the_host_filters_and_exports_by_partner_opt_in(
    app, client, login, csrf, run_jobs, coalition, shared
):
    """The host's "Opted in to partner" filter picks Rosa and Carla (opted in, shared or
    not) and not Ben, in the list and in an export."""
    login("host@example.org")
    html = client.get(f"/organize/local-7/supporters?partner_id={coalition.food_id}")
    text = html.get_data(as_text=True)
    assert "Opted in to partner" in text
    assert "rosa@example.org" in text and "carla@example.org" in text
    assert "ben@example.org" not in text
    none = client.get(f"/organize/local-7/supporters?partner_id={coalition.riders_id}")
    assert 'data-total="0"' in none.get_data(as_text=True)
    rows = export_rows(client, csrf, run_jobs, "local-7", f"?partner_id={coalition.food_id}")
    assert sorted(rows[1:]) == [["carla@example.org"], ["rosa@example.org"]]


@pytest.mark.both_databases
def test_the_hosts_export_names_the_partners_each_person_opted_in_to(
    app, client, login, csrf, run_jobs, coalition, shared
):
    """A column of partner names, alphabetical, whatever the opt-in's state (Carla's is
    pending); none for Ben; a partner's withdrawn opt-in is no longer named."""
    riders_url = f"/a/{coalition.slug}?source=riders"
    sign_form(
        client,
        coalition.slug,
        source="riders",
        partners=[coalition.riders_id, coalition.food_id],
        email="dana@example.org",
        first_name="Dana",
    )
    assert "Riders Union" in client.get(riders_url).get_data(as_text=True)
    login("host@example.org")
    rows = export_rows(client, csrf, run_jobs, "local-7", columns=("email", "partners"))
    assert rows[0] == ["Email", "Opted in to partners"]
    assert sorted(rows[1:]) == [
        ["ben@example.org", ""],
        ["carla@example.org", "Fair Food Coalition"],
        ["dana@example.org", "Fair Food Coalition, Riders Union"],
        ["rosa@example.org", "Fair Food Coalition"],
    ]
    with app.app_context():
        from campaigns.models import CampaignPartner
        from campaigns.partners import admin as partner_admin

        riders = db.session.scalars(
            db.select(CampaignPartner).filter_by(organization_id=coalition.riders_id)
        ).one()
        partner_admin.remove_partner(riders, None)
    rows = export_rows(client, csrf, run_jobs, "local-7", columns=("email", "partners"))
    assert ["dana@example.org", "Fair Food Coalition"] in rows


def test_a_filter_naming_the_host_itself_finds_no_one_else(app, coalition, shared):
    """The filter is on the host's own opt-in records: a partner filtering by the host's id
    finds nobody of the host's (opt-ins are never written about the partner's people)."""
    from sqlalchemy import select

    from campaigns.supporters import filters as supporter_filters
    from campaigns.supporters.filters import SupporterFilter

    with app.app_context():
        f = SupporterFilter(partner_id=coalition.food_id)
        ids = db.session.scalars(supporter_filters.supporter_ids(coalition.food_id, f)).all()
        assert ids == []
        host_ids = set(db.session.scalars(supporter_filters.supporter_ids(coalition.host_id, f)))
        assert host_ids == {shared["rosa"], shared["carla"]}
        assert db.session.scalar(select(Organization.id).where(Organization.slug == "fair-food"))


def test_the_co_sponsored_page_shows_the_partners_own_figures(
    app, client, login, coalition, shared
):
    """The partner sees the campaign with its own counts and links, and no one's name."""
    sign_form(client, coalition.slug, source="fair-food", email="via-link@example.org")
    login("food@example.org")
    html = client.get("/organize/fair-food/co-sponsored").get_data(as_text=True)
    assert "Heat safety at Acme" in html and "Warehouse Workers Local 7" in html
    assert 'data-stat="shared">1<' in html
    assert 'data-stat="pending">1<' in html  # Carla, waiting
    assert 'data-stat="brought">1<' in html  # the signature through its own link
    assert "/a/heat-safety?source=fair-food" in html
    assert "/embed/a/heat-safety?source=fair-food" in html
    # As words: a random CSRF token may hold the letters "Ben" by chance.
    for name in ("Rosa", "Ben", "rosa@example.org", "carla@example.org"):
        assert not re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", html), name
    # The Riders Union sees its own (empty) figures, not the coalition's.
    client.post("/organize/logout", data={"csrf_token": _token(client)})
    login("riders@example.org")
    riders = client.get("/organize/riders-union/co-sponsored").get_data(as_text=True)
    assert 'data-stat="shared">0<' in riders and 'data-stat="pending">0<' in riders


def _token(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/organize/account").get_data(as_text=True))
