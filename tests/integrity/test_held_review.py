"""Organizers see held submissions at once: per action on the dashboard, released or marked
fraudulent in one click (audited), and owners get one digest when they pile up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.integrity import held
from campaigns.models import AuditEvent, OutboxEmail, Role, Submission, utcnow
from campaigns.tracking import counts
from tests.factories import make_campaign, make_organization, make_petition, make_user, signer_form


def sign_from_one_address(client, csrf, slug, people: int, ip="203.0.113.77"):
    for n in range(people):
        email = f"member{n}.{ip.rsplit('.', 1)[1]}@example.org"
        data = {**signer_form(email=email), "csrf_token": csrf(f"/a/{slug}")}
        client.post(f"/a/{slug}", data=data, environ_overrides={"REMOTE_ADDR": ip})


@pytest.fixture
def hall(app, login):
    """Local 42's petition, signed by six members on the hall's Wi-Fi (five held)."""
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.owner, email="owner@example.org")
        make_user(org, Role.viewer, email="viewer@example.org")
        action = make_petition(make_campaign(org), requires_confirmation=False)
        return action.id, action.slug


def public_total(app, action_id) -> int:
    with app.app_context():
        return counts.for_actions({action_id})[action_id].counted(False)


@pytest.mark.both_databases
def test_release_all_counts_them_once_and_is_audited(app, client, csrf, login, hall):
    action_id, slug = hall
    sign_from_one_address(client, csrf, slug, 6)
    counts_before = public_total(app, action_id)
    login("owner@example.org")
    dashboard = f"/organize/local-42/actions/{action_id}/dashboard"
    page = client.get(dashboard).get_data(as_text=True)
    row = page.split(f'data-held="{action_id}"')[1].split("</tr>")[0]
    assert "<td>5</td>" in row and "Release all 5" in row

    resp = client.post(
        f"/organize/local-42/actions/{action_id}/held",
        data={"decision": "release", "next": dashboard, "csrf_token": csrf(dashboard)},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(dashboard)
    assert "5 held submissions released and counted." in client.get(dashboard).get_data(
        as_text=True
    )
    assert public_total(app, action_id) == counts_before + 5
    # Again: nothing is held any more, nothing counts twice.
    client.post(
        f"/organize/local-42/actions/{action_id}/held",
        data={"decision": "release", "csrf_token": csrf(dashboard)},
    )
    assert public_total(app, action_id) == counts_before + 5
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "held_released"))
        assert [e.details["count"] for e in events] == [5, 0]
        assert db.session.scalars(select(Submission.held_reason)).all() == [None] * 6


def test_mark_fraudulent_ends_the_hold_for_good(app, client, csrf, login, hall):
    action_id, slug = hall
    sign_from_one_address(client, csrf, slug, 3)
    login("owner@example.org")
    dashboard = f"/organize/local-42/actions/{action_id}/dashboard"
    client.post(
        f"/organize/local-42/actions/{action_id}/held",
        data={"decision": "fraudulent", "csrf_token": csrf(dashboard)},
    )
    with app.app_context():
        rows = db.session.execute(
            select(Submission.fraudulent, Submission.fraud_reason, Submission.held_reason)
        ).all()
        assert sorted(rows) == [(False, None, None)] + [(True, "invalidated", None)] * 2
        assert db.session.scalars(
            select(AuditEvent.kind).where(AuditEvent.kind == "held_marked_fraudulent")
        ).all() == ["held_marked_fraudulent"]
    assert f'data-held="{action_id}"' not in client.get(dashboard).get_data(as_text=True)


def test_viewers_see_the_count_but_cannot_decide(app, client, csrf, login, hall):
    action_id, slug = hall
    sign_from_one_address(client, csrf, slug, 3)
    login("viewer@example.org")
    dashboard = f"/organize/local-42/actions/{action_id}/dashboard"
    page = client.get(dashboard).get_data(as_text=True)
    assert f'data-held="{action_id}"' in page and "Release all" not in page
    resp = client.post(
        f"/organize/local-42/actions/{action_id}/held",
        data={"decision": "release", "csrf_token": csrf(dashboard)},
    )
    assert resp.status_code == 403


def test_owners_get_one_digest_an_hour_past_the_threshold(app, client, csrf, hall):
    action_id, slug = hall
    app.config["HELD_DIGEST_THRESHOLD"] = 4
    sign_from_one_address(client, csrf, slug, 4)  # three held: under the threshold
    with app.app_context():
        assert held.notify_owners() == 0
    sign_from_one_address(client, csrf, slug, 2, ip="203.0.113.78")  # one more held
    with app.app_context():
        assert held.notify_owners() == 1
        assert held.notify_owners() == 0  # once an hour
        [email] = db.session.scalars(select(OutboxEmail)).all()
        assert "owner@example.org" in email.to_address  # owners only, not the viewer
        assert email.subject == "4 submissions are held for review at Local 42"
        assert f"/organize/local-42/actions/{action_id}/dashboard" in email.text_body
        # An hour on, the old ones no longer count towards a new digest.
        assert held.notify_owners(now=utcnow().replace(year=2099)) == 0
