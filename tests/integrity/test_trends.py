"""The trending job flags bulk signing; organizers invalidate its signatures in bulk and
restore them, with exact counts before and after, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.integrity import review
from campaigns.models import AuditEvent, Role, Submission, Trend, TrendStatus, utcnow
from campaigns.submissions.confirmation import confirm
from campaigns.submissions.signing import sign
from campaigns.tracking import counts
from campaigns.worker import periodic_jobs
from tests.factories import make_petition, make_user
from tests.integrity.conftest import set_limits, signer

FLOOD = "203.0.113.99"


def totals(action):
    c = counts.for_action(action)
    return c.signed, c.confirmed


def seed(petition, now):
    """Six signatures from one address, two from others; some confirmed, some tallied, some
    not yet: invalidation must take out exactly what the tally had added."""
    org = petition.campaign.organization_id
    set_limits(
        org, burst_limit=0, sustained_limit=0, trending_ip_per_hour=4, trending_domain_per_hour=0
    )
    flood = [sign(petition, signer(ip=FLOOD), now=now).submission_id for _ in range(4)]
    others = [sign(petition, signer(ip=f"198.51.100.{i}"), now=now).submission_id for i in (1, 2)]
    confirm(db.session.get(Submission, flood[0]))  # tallied as signed and confirmed below
    counts.tally_all()
    confirm(db.session.get(Submission, flood[1]))  # tallied as signed only (mark 1)
    late = [sign(petition, signer(ip=FLOOD), now=now).submission_id for _ in range(2)]  # mark 0
    return flood + late, others


def test_the_job_runs_every_five_minutes():
    assert any(f.__name__ == "flag_trends" and s == 300 for f, _, s in periodic_jobs())


@pytest.mark.both_databases
def test_trend_flagged_invalidated_and_restored_with_exact_counts(ctx):
    """Flag → invalidate (counts drop by what was counted) → tally adds nothing → restore one
    → restore the rest: the counts end where they began."""
    now = utcnow()
    petition = make_petition(requires_confirmation=True)
    org = petition.campaign.organization
    owner = make_user(org, Role.owner)
    flood, others = seed(petition, now)
    counts.tally_all()
    assert totals(petition) == (8, 2)

    assert review.flag_trends(now) == 1
    trend = db.session.scalars(select(Trend)).one()
    assert (trend.kind, trend.count, trend.status) == ("ip", 6, TrendStatus.open)
    # Running again updates the open trend instead of opening another.
    review.flag_trends(now)
    assert len(db.session.scalars(select(Trend)).all()) == 1

    # Two not yet tallied when the organizer acts: only what was counted comes off.
    late = [sign(petition, signer(ip=FLOOD), now=now).submission_id for _ in range(2)]
    assert review.invalidate_trend(org, trend, owner) == 8
    assert totals(petition) == (2, 0)
    assert counts.tally_all() == 0
    assert totals(petition) == (2, 0)
    marked = db.session.scalars(
        select(Submission.id).where(Submission.fraudulent.is_(True)).order_by(Submission.id)
    ).all()
    assert marked == sorted(flood + late)
    assert db.session.get(Trend, trend.id).status == TrendStatus.invalidated
    assert review.flag_trends(now) == 0  # invalidated signatures no longer trend

    # Confirming an invalidated signature changes nothing.
    assert confirm(db.session.get(Submission, late[0])) is False

    assert review.restore(org, petition, owner, submission_ids=[flood[0]]) == 1
    assert totals(petition) == (3, 1)
    assert review.restore(org, petition, owner) == 7
    assert totals(petition) == (10, 2)
    assert counts.tally_all() == 0
    assert totals(petition) == (10, 2)
    kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds.count("signatures_invalidated") == 1
    assert kinds.count("signatures_restored") == 2


def trend_by_domain_only(petition) -> None:
    """More than two signatures an hour from one domain trend; nothing else limits."""
    set_limits(
        petition.campaign.organization_id,
        burst_limit=0,
        sustained_limit=0,
        trending_ip_per_hour=0,
        trending_domain_per_hour=2,
        domain_limit=0,
    )


def test_domain_trends_skip_webmail(ctx):
    now = utcnow()
    petition = make_petition()
    trend_by_domain_only(petition)
    for i in range(3):
        sign(petition, signer(ip=f"198.51.100.{i}", email=f"a{i}@gmail.com"), now=now)
        sign(petition, signer(ip=f"198.51.100.{i}", email=f"b{i}@bots.example"), now=now)
    assert review.flag_trends(now) == 1
    trend = db.session.scalars(select(Trend)).one()
    assert (trend.kind, trend.value, trend.count) == ("domain", "bots.example", 3)


def test_signatures_older_than_the_hour_do_not_trend(ctx):
    from datetime import timedelta

    now = utcnow()
    petition = make_petition()
    set_limits(
        petition.campaign.organization_id, burst_limit=0, sustained_limit=0, trending_ip_per_hour=2
    )
    for _ in range(3):
        sign(petition, signer(ip=FLOOD), now=now - timedelta(minutes=61))
    assert review.flag_trends(now) == 0
    sign(petition, signer(ip=FLOOD), now=now)
    assert review.flag_trends(now) == 0


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_integrity_page_invalidate_and_restore(app, client, login):
    """An organizer sees the trend, invalidates it behind a fresh login and restores; viewers
    see the page without the buttons."""
    with app.app_context():
        now = utcnow()
        petition = make_petition()
        org = petition.campaign.organization
        make_user(org, Role.organizer, email="sam@example.org")
        make_user(org, Role.viewer, email="vic@example.org")
        seed(petition, now)
        counts.tally_all()
        review.flag_trends(now)
        trend_id = db.session.scalars(select(Trend.id)).one()
        url = f"/organize/{org.slug}/campaigns/{petition.campaign_id}/integrity"
        action_id, org_slug = petition.id, org.slug
        before = totals(petition)
    login("vic@example.org")
    html = client.get(url).get_data(as_text=True)
    assert f'data-trend="{trend_id}"' in html and "Invalidate its signatures" not in html
    refused = client.post(
        f"/organize/{org_slug}/trends/{trend_id}/invalidate",
        data={"csrf_token": _form_token(html)},
    )
    assert refused.status_code == 403
    client.post("/organize/logout", data={"csrf_token": _form_token(html)})

    login("sam@example.org")
    html = client.get(url).get_data(as_text=True)
    assert "Invalidate its signatures" in html
    resp = client.post(
        f"/organize/{org_slug}/trends/{trend_id}/invalidate",
        data={"csrf_token": _form_token(html)},
    )
    assert resp.status_code == 302
    with app.app_context():
        assert before == (8, 2)
        assert totals(db.session.get(type(petition), action_id)) == (2, 0)
    html = client.get(url).get_data(as_text=True)
    assert "Fraudulent signatures: 6" in html
    resp = client.post(
        f"/organize/{org_slug}/actions/{action_id}/restore",
        data={"csrf_token": _form_token(html), "all": "1", "reason": "invalidated"},
    )
    assert resp.status_code == 302
    with app.app_context():
        assert totals(db.session.get(type(petition), action_id)) == before


def test_bulk_actions_ask_for_the_password_again(app, client, login, csrf):
    with app.app_context():
        petition = make_petition()
        org = petition.campaign.organization
        make_user(org, Role.owner, email="own@example.org")
        org_slug, action_id = org.slug, petition.id
    login("own@example.org")
    token = csrf(f"/organize/{org_slug}/integrity")
    with client.session_transaction() as session:
        session["staff_auth_at"] -= 3600
    resp = client.post(
        f"/organize/{org_slug}/actions/{action_id}/restore",
        data={"csrf_token": token, "all": "1"},
    )
    assert resp.status_code == 302 and "/organize/reauth" in resp.headers["Location"]


def test_address_hashes_are_forgotten_after_the_retention(ctx, run_jobs):
    """Old signatures lose their address hash; recent ones keep it for trends and limits."""
    from datetime import timedelta

    from campaigns.queues import enqueue

    now = utcnow()
    petition = make_petition()
    old = sign(petition, signer(ip="192.0.2.1"), now=now - timedelta(days=31)).submission_id
    new = sign(petition, signer(ip="192.0.2.2"), now=now - timedelta(days=29)).submission_id
    enqueue("campaigns.integrity.tasks.forget_addresses", queue="default")
    run_jobs(["default"])
    db.session.expire_all()
    assert db.session.get(Submission, old).ip_hash is None
    assert db.session.get(Submission, new).ip_hash is not None


def test_domain_trends_gather_subdomains(ctx):
    """Signers spread over names under one domain trend as that one domain."""
    now = utcnow()
    petition = make_petition()
    trend_by_domain_only(petition)
    for i in range(3):
        sign(petition, signer(ip=f"198.51.100.{i}", email=f"b@s{i}.bots.example"), now=now)
    assert review.flag_trends(now) == 1
    trend = db.session.scalars(select(Trend)).one()
    assert (trend.kind, trend.value, trend.count) == ("domain", "bots.example", 3)
