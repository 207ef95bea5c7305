"""Owners set how long people who never confirmed or who unsubscribed are kept; a daily job
erases them (counts corrected) and records how many."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import (
    ActionHourlyCount,
    AuditEvent,
    RetentionPolicy,
    Role,
    Submission,
    Supporter,
    utcnow,
)
from campaigns.supporters import retention
from campaigns.tracking import counts
from tests.factories import make_campaign, make_organization, make_petition, make_user
from tests.supporters.data import make_supporter

ORG = "/organize/local-1"


@pytest.mark.both_databases
def test_retention_erases_who_is_due_and_keeps_counts_exact(app):
    """Unconfirmed for longer than the limit and unsubscribed for longer than the limit are
    erased; recent, confirmed and active-again people stay; counts match what remains."""
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    with app.app_context():
        org = make_organization()
        other_org = make_organization()
        petition = make_petition(make_campaign(org))
        people = {
            "old_unconfirmed": make_supporter(org, (petition,), signed_at=old, created_at=old),
            "recent_unconfirmed": make_supporter(
                org, (petition,), signed_at=recent, created_at=recent
            ),
            "old_confirmed": make_supporter(
                org, (petition,), signed_at=old, created_at=old, confirmed=True
            ),
            "old_unsubscribed": make_supporter(
                org,
                (petition,),
                signed_at=old,
                created_at=old,
                confirmed=True,
                unsubscribed_at=old,
            ),
            "unsubscribed_but_active": make_supporter(
                org,
                (petition,),
                signed_at=recent,
                created_at=old,
                confirmed=True,
                unsubscribed_at=old,
            ),
            "imported_never_confirmed": make_supporter(org, (), created_at=old),
            "other_org_unconfirmed": make_supporter(other_org, (), created_at=old),
        }
        ids = {name: person.id for name, person in people.items()}
        counts.tally_all()
        db.session.add(
            RetentionPolicy(organization_id=org.id, unconfirmed_days=30, unsubscribed_days=30)
        )
        db.session.commit()

        from campaigns.supporters.tasks import apply_retention_policies

        assert apply_retention_policies() == {"organizations": 1, "erased": 3}
        remaining = set(db.session.scalars(select(Supporter.id)))
        assert remaining == {
            ids["recent_unconfirmed"],
            ids["old_confirmed"],
            ids["unsubscribed_but_active"],
            ids["other_org_unconfirmed"],
        }
        signed, confirmed = db.session.execute(
            select(func.sum(ActionHourlyCount.signed), func.sum(ActionHourlyCount.confirmed))
        ).one()
        assert (
            (signed, confirmed)
            == db.session.execute(select(func.count(), func.count(Submission.confirmed_at))).one()
            == (3, 2)
        )
        events = db.session.scalars(select(AuditEvent)).all()
        assert [(e.kind, e.details) for e in events] == [
            ("retention_applied", {"erased": 3, "ip_hashes_dropped": None})
        ]
        # Nothing more to do the next day.
        assert apply_retention_policies()["erased"] == 0


def test_without_a_policy_nothing_is_erased(app):
    """Organizations that set no limits keep everyone."""
    with app.app_context():
        org = make_organization()
        make_supporter(org, (), created_at=utcnow() - timedelta(days=4000))
        db.session.add(RetentionPolicy(organization_id=org.id))
        db.session.commit()
        assert retention.apply_all()["erased"] == 0
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 1


def test_address_hashes_older_than_the_policy_are_dropped(app):
    """A policy of 30 days clears the address hashes of older signatures, keeps the rest."""
    with app.app_context():
        org = make_organization()
        petition = make_petition(make_campaign(org))
        old = make_supporter(org, (petition,), created_at=utcnow() - timedelta(days=40))
        new = make_supporter(org, (petition,))
        for person, days in ((old, 40), (new, 1)):
            submission = db.session.scalars(
                select(Submission).where(Submission.supporter_id == person.id)
            ).one()
            submission.ip_hash = f"hash-{person.id}"
            submission.created_at = utcnow() - timedelta(days=days)
        policy = RetentionPolicy(organization_id=org.id, ip_hash_days=30)
        db.session.add(policy)
        db.session.commit()
        assert retention.apply(policy)["ip_hashes_dropped"] == 1
        hashes = dict(db.session.execute(select(Submission.supporter_id, Submission.ip_hash)).all())
        assert hashes == {old.id: None, new.id: f"hash-{new.id}"}


def test_retention_job_is_scheduled():
    """The cron scheduler runs the retention job daily."""
    from campaigns.supporters.tasks import apply_retention_policies
    from campaigns.worker import periodic_jobs

    assert (apply_retention_policies, "default", 24 * 60 * 60) in periodic_jobs()


def test_owner_sets_the_policy_and_it_is_audited(app, client, login, csrf):
    """An owner saves limits (validated) and the change is in the audit log."""
    with app.app_context():
        org = make_organization(slug="local-1")
        make_user(org, Role.owner, email="owner@example.org")
    login("owner@example.org")
    token = csrf(f"{ORG}/retention")
    bad = client.post(f"{ORG}/retention", data={"csrf_token": token, "unconfirmed_days": "0"})
    assert bad.status_code == 422 and "From 1 to 3650 days." in bad.get_data(as_text=True)
    saved = client.post(
        f"{ORG}/retention",
        data={"csrf_token": token, "unconfirmed_days": "30", "ip_hash_days": "90"},
    )
    assert saved.status_code == 302
    with app.app_context():
        policy = db.session.scalar(select(RetentionPolicy))
        assert (policy.unconfirmed_days, policy.unsubscribed_days, policy.ip_hash_days) == (
            30,
            None,
            90,
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "retention_changed"))
        assert event.details["to"] == {
            "unconfirmed_days": 30,
            "unsubscribed_days": None,
            "ip_hash_days": 90,
        }
    assert 'value="30"' in client.get(f"{ORG}/retention").get_data(as_text=True)
