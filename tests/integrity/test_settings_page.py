"""Owners edit the limits and the block and allow lists; other roles cannot."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.models import AuditEvent, ListEntry, RateLimit, Role
from tests.factories import make_organization, make_petition, make_user
from tests.integrity.conftest import sign_at


def test_owner_edits_limits_and_lists(app, client, login, csrf):
    with app.app_context():
        org = make_organization()
        make_user(org, Role.owner, email="own@example.org")
        slug, org_id = org.slug, org.id
    login("own@example.org")
    url = f"/organize/{slug}/integrity"
    page = client.get(url)
    assert page.status_code == 200 and "gmail.com" in page.get_data(as_text=True)
    resp = client.post(
        url,
        data={
            "csrf_token": csrf(url),
            "burst_limit": "3",
            "burst_seconds": "60",
            "sustained_limit": "10",
            "sustained_seconds": "600",
            "domain_limit": "0",
            "domain_seconds": "3600",
            "allowed_domains": "gmail.com\nlocal99.org",
            "trending_ip_per_hour": "30",
            "trending_domain_per_hour": "100",
            "letters_per_ip_per_hour": "10",
        },
    )
    assert resp.status_code == 302
    add = f"/organize/{slug}/integrity/entries"
    bad = client.post(
        add,
        data={"csrf_token": csrf(url), "kind": "ip", "list_name": "block", "value": "10.0.0/33"},
    )
    assert bad.status_code == 422 and "Enter an address" in bad.get_data(as_text=True)
    ok = client.post(
        add,
        data={"csrf_token": csrf(url), "kind": "ip", "list_name": "block", "value": "192.0.2.9/24"},
    )
    assert ok.status_code == 302
    with app.app_context():
        row = db.session.get(RateLimit, org_id)
        assert (row.burst_limit, row.sustained_seconds, row.domain_limit) == (3, 600, 0)
        entry = db.session.scalars(select(ListEntry)).one()
        assert entry.value == "192.0.2.0/24"  # normalized to the network
        petition = make_petition(campaign=None)
        petition.campaign.organization_id = org_id
        db.session.commit()
        integrity.forget(org_id)
        assert sign_at(petition, 0, ip="192.0.2.200").fraud_reason == "blocked"
        entry_id = entry.id
    resp = client.post(
        f"/organize/{slug}/integrity/entries/{entry_id}/remove", data={"csrf_token": csrf(url)}
    )
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ListEntry)).all() == []
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert {"rate_limits_changed", "list_entry_added", "list_entry_removed"} <= set(kinds)


def test_organizers_cannot_change_limits(app, client, login):
    with app.app_context():
        org = make_organization()
        make_user(org, Role.organizer, email="sam@example.org")
        slug = org.slug
    login("sam@example.org")
    assert client.get(f"/organize/{slug}/integrity").status_code == 403
