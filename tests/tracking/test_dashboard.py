import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Organization, Role, Submission, utcnow
from campaigns.submissions.confirmation import confirm
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import counts
from campaigns.tracking import dashboard as tracking
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.tracking.conftest import put_buckets


def signer(n: int, **overrides) -> Signer:
    values = {"first_name": "Ana", "last_name": "Ruiz", "email": f"ana{n}@example.org"}
    values.update(overrides)
    return Signer(**values)


def test_daily_series_follows_the_organization_time_zone(app):
    """Days start at the organization's midnight: 06:00 UTC is still yesterday in Los Angeles."""
    with app.app_context():
        petition = make_petition()
        put_buckets(
            petition.id,
            {
                datetime(2026, 3, 1, 6, tzinfo=UTC): (3, 1),  # Feb 28, 22:00 in LA
                datetime(2026, 3, 1, 8, tzinfo=UTC): (5, 0),  # Mar 1, 00:00 in LA
                datetime(2026, 3, 2, 7, tzinfo=UTC): (2, 2),  # Mar 1, 23:00 in LA
            },
        )
        now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        since = datetime(2026, 2, 28, 12, tzinfo=UTC)
        utc = tracking.dashboard([petition.id], timezone="UTC", since=since, now=now)
        la = tracking.dashboard([petition.id], timezone="America/Los_Angeles", since=since, now=now)
    assert [(p.start.isoformat(), p.signed) for p in utc.daily] == [
        ("2026-02-28", 0),
        ("2026-03-01", 8),
        ("2026-03-02", 2),
    ]
    assert [(p.start.isoformat(), p.signed, p.confirmed) for p in la.daily] == [
        ("2026-02-28", 3, 1),
        ("2026-03-01", 7, 2),
        ("2026-03-02", 0, 0),
    ]
    # 09:30 UTC on Mar 2 is 01:30 on Mar 2 in Los Angeles: nothing yet today there.
    assert (utc.today, la.today) == (2, 0)
    assert (la.signed, la.confirmed) == (10, 3)


def test_daily_series_in_a_half_hour_zone_and_across_a_dst_change(app):
    """Kolkata (UTC+5:30) and New York's spring forward both group each hour into one day."""
    with app.app_context():
        petition = make_petition()
        put_buckets(
            petition.id,
            {
                datetime(2026, 3, 8, 4, tzinfo=UTC): (1, 0),  # NY Mar 7, 23:00 (EST)
                datetime(2026, 3, 8, 5, tzinfo=UTC): (2, 0),  # NY Mar 8, 00:00 (EST)
                datetime(2026, 3, 9, 3, tzinfo=UTC): (4, 0),  # NY Mar 8, 23:00 (EDT)
                datetime(2026, 3, 9, 4, tzinfo=UTC): (8, 0),  # NY Mar 9, 00:00 (EDT)
            },
        )
        now = datetime(2026, 3, 9, 12, tzinfo=UTC)
        ny = tracking.dashboard([petition.id], timezone="America/New_York", now=now)
        kolkata = tracking.dashboard([petition.id], timezone="Asia/Kolkata", now=now)
    assert {p.start.isoformat(): p.signed for p in ny.daily} == {
        "2026-03-07": 1,
        "2026-03-08": 6,
        "2026-03-09": 8,
    }
    # In Kolkata 04:00 UTC is 09:30 and 03:00 UTC is 08:30: all in the same local days as UTC.
    assert {p.start.isoformat(): p.signed for p in kolkata.daily} == {
        "2026-03-08": 3,
        "2026-03-09": 12,
    }


def test_hourly_series_covers_72_hours_with_empty_hours_as_zero(app):
    """Seventy-two bars ending with the current hour; older buckets only count in totals."""
    with app.app_context():
        petition = make_petition()
        now = datetime(2026, 5, 10, 15, 20, tzinfo=UTC)
        put_buckets(
            petition.id,
            {
                datetime(2026, 5, 10, 15, tzinfo=UTC): (4, 0),
                datetime(2026, 5, 10, 14, tzinfo=UTC): (1, 1),
                datetime(2026, 5, 7, 15, tzinfo=UTC): (9, 0),  # 72 hours ago: just outside
            },
        )
        board = tracking.dashboard([petition.id], now=now)
    assert len(board.hourly) == 72
    assert board.hourly[-1].start == datetime(2026, 5, 10, 15, tzinfo=UTC)
    assert board.hourly[0].start == datetime(2026, 5, 7, 16, tzinfo=UTC)
    assert sum(p.signed for p in board.hourly) == 5
    assert (board.signed, board.this_hour, board.today) == (14, 4, 5)


def test_unknown_time_zone_falls_back_to_utc(app):
    """A zone name the system does not know shows UTC days rather than failing the page."""
    with app.app_context():
        petition = make_petition()
        board = tracking.dashboard([petition.id], timezone="Mars/Olympus")
    assert board.timezone == "UTC"


@pytest.mark.both_databases
def test_counts_exact_after_concurrent_duplicate_signing_and_confirmation(app, backend):
    """Eight people signing at once, each twice, some confirming: the dashboard adds up."""
    import threading

    with app.app_context():
        petition = make_petition()
        petition_id = petition.id
    # SQLite serializes writers; PostgreSQL really runs these side by side.
    barrier = threading.Barrier(8, timeout=30)
    errors = []

    def run(n: int):
        with app.app_context():
            act = db.session.get(type(petition), petition_id)
            try:
                barrier.wait()
                sign(act, signer(n))
                sign(act, signer(n, email=f"ANA{n}@example.org"))  # the same person again
            except Exception as exc:  # collected, then asserted empty
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        subs = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert len(subs) == 8
        counts.tally_all()
        for s in subs[:3]:
            confirm(s)
        confirm(db.session.get(Submission, subs[0].id))  # confirming twice counts once
        counts.tally_all()
        board = tracking.dashboard([petition_id])
    assert (board.signed, board.confirmed, board.today) == (8, 3, 8)
    assert sum(p.signed for p in board.hourly) == 8
    assert sum(p.confirmed for p in board.daily) == 3


def test_organizer_dashboard_shows_figures_and_accessible_charts(app, client, organizer):
    """The page has the totals, goal progress and both charts with titles and a data table."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        campaign = make_campaign(org, goal=50)
        petition = make_petition(campaign, goal=10)
        for n in range(4):
            sign(petition, signer(n, postcode="94612"))
        counts.tally_all()
        ids = (campaign.id, petition.id)
    for url in (
        f"{organizer}/campaigns/{ids[0]}/dashboard",
        f"{organizer}/actions/{ids[1]}/dashboard",
    ):
        resp = client.get(url)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert re.search(r'data-live="signed">4<', html)
        assert re.search(r'data-live="today">4<', html)
        assert 'role="img"' in html and '<title id="hourly-title">' in html
        assert '<desc id="daily-desc">' in html
        assert "Signatures per hour, last 72 hours as a table" in html
        assert "js/dashboard.js" in html and "<script>" not in html
        assert 'style="' not in html
        sources_url = url.replace("/dashboard", "/sources")
        assert sources_url in html
        sources_page = client.get(sources_url).get_data(as_text=True)
        assert "<td>94612</td>" in sources_page and 'data-value="4"' in sources_page
    action_html = client.get(f"{organizer}/actions/{ids[1]}/dashboard").get_data(as_text=True)
    assert 'max="10" value="4"' in action_html


def test_live_figures_as_json(app, client, organizer):
    """The JSON the page polls carries the figures it updates, read after the tally."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        petition = make_petition(make_campaign(org), goal=4, requires_confirmation=True)
        first = sign(petition, signer(1)).submission_id
        sign(petition, signer(2))
        confirm(db.session.get(Submission, first))
        counts.tally_all()
        petition_id = petition.id
    resp = client.get(f"{organizer}/actions/{petition_id}/dashboard.json")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json() == {
        "signed": 2,
        "confirmed": 1,
        "today": 2,
        "this_hour": 2,
        "counted": 1,
        "goal": 4,
        "percent": 25,
    }


def test_another_organizations_dashboards_are_not_found(app, client, organizer, csrf):
    """Every tracking page of another organization answers 404, as if it did not exist."""
    with app.app_context():
        other = make_organization(slug="other-union")
        petition = make_petition(make_campaign(other))
        ids = (petition.campaign_id, petition.id)
    for url in (
        f"{organizer}/campaigns/{ids[0]}/dashboard",
        f"{organizer}/campaigns/{ids[0]}/dashboard.json",
        f"{organizer}/actions/{ids[1]}/dashboard",
        f"{organizer}/actions/{ids[1]}/dashboard.json",
        f"{organizer}/campaigns/{ids[0]}/sources",
        f"{organizer}/actions/{ids[1]}/sources",
        f"{organizer}/actions/{ids[1]}/deliver",
        f"/organize/other-union/campaigns/{ids[0]}/dashboard",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf(f"{organizer}/")
    resp = client.post(
        f"{organizer}/actions/{ids[1]}/milestones", data={"value": "5", "csrf_token": token}
    )
    assert resp.status_code == 404


def test_viewers_see_the_dashboard_but_cannot_change_it(app, client, login, csrf):
    """A viewer reads the figures; adding a milestone or delivering is refused."""
    with app.app_context():
        org = make_organization(slug="local-9")
        make_user(org, Role.viewer, email="viewer@example.org")
        petition_id = make_petition(make_campaign(org)).id
    login("viewer@example.org")
    page = client.get(f"/organize/local-9/actions/{petition_id}/dashboard")
    assert page.status_code == 200
    assert "Add milestone" not in page.get_data(as_text=True)
    token = csrf("/organize/local-9/")
    assert (
        client.post(
            f"/organize/local-9/actions/{petition_id}/milestones",
            data={"value": "5", "csrf_token": token},
        ).status_code
        == 403
    )
    assert client.get(f"/organize/local-9/actions/{petition_id}/deliver").status_code == 403


def test_organizer_sets_the_time_zone(app, client, organizer, csrf):
    """The organization's zone is saved and the daily chart says which zone it uses."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        campaign_id = make_campaign(org).id
    url = f"{organizer}/campaigns/{campaign_id}/dashboard"
    resp = client.post(
        f"{organizer}/timezone",
        data={"timezone": "America/Chicago", "next": url, "csrf_token": csrf(url)},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    assert "midnight in America/Chicago" in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(
            select(Organization.timezone).filter_by(slug="local-7")
        ).one() == ("America/Chicago")
    bad = client.post(
        f"{organizer}/timezone", data={"timezone": "Nowhere/Land", "csrf_token": csrf(url)}
    )
    assert bad.status_code == 302


def test_now_is_used_for_today_by_default(app):
    """Without `now`, today and this hour come from the clock."""
    with app.app_context():
        petition = make_petition()
        put_buckets(petition.id, {counts.hour_of(utcnow()): (2, 0)})
        put_buckets(petition.id, {counts.hour_of(utcnow()) - timedelta(days=3): (5, 0)})
        board = tracking.dashboard([petition.id])
    assert (board.this_hour, board.signed) == (2, 7)


def test_dashboard_of_a_campaign_without_actions(app, client, organizer):
    """A new campaign's dashboard shows zeros and empty charts, not an error."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        campaign_id = make_campaign(org).id
    for page in ("dashboard", "dashboard.json", "sources"):
        assert client.get(f"{organizer}/campaigns/{campaign_id}/{page}").status_code == 200
    assert (
        client.get(f"{organizer}/campaigns/{campaign_id}/dashboard.json").get_json()["signed"] == 0
    )
