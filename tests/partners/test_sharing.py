"""Sharing opt-ins with partners: only once the supporter confirms, never a fraudulent
signature, exactly up to the cap, and the partner's copy then lives its own life."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import CampaignPartner, OptIn, OptInState, Submission, Supporter
from campaigns.partners import admin as partner_admin
from campaigns.partners import offers as partners
from campaigns.submissions.signing import Signer, sign
from campaigns.supporters import erasure
from campaigns.worker import periodic_jobs
from tests.partners.conftest import (
    confirm,
    opt_ins,
    partner_supporters,
    sign_form,
    submission_of,
)


@pytest.mark.both_databases
def test_confirming_shares_with_the_partner(app, client, coalition, run_jobs):
    """The partner gets the person only after the confirmation button, subscribed, and the
    host's list is untouched."""
    sign_form(
        client,
        coalition.slug,
        partners=[coalition.food_id],
        email="Rosa.Perez@Example.org",
        first_name="Rosa",
        last_name="Perez",
    )
    run_jobs()
    with app.app_context():
        assert partners.sweep() == 0  # nor does the sweep share before confirmation
        assert partner_supporters(coalition.food_id) == []
        assert opt_ins()[0].state == OptInState.pending
    confirm(client, app, "Rosa.Perez@Example.org")
    run_jobs()
    with app.app_context():
        [person] = partner_supporters(coalition.food_id)
        assert (person.first_name, person.last_name, person.email) == (
            "Rosa",
            "Perez",
            "Rosa.Perez@Example.org",
        )
        assert person.subscribed and person.subscribed_at is not None
        [row] = opt_ins()
        assert row.state == OptInState.shared and row.shared_at is not None
        assert row.partner_supporter_id == person.id
        # The Riders Union was not ticked and gets nobody.
        assert partner_supporters(coalition.riders_id) == []


@pytest.mark.both_databases
def test_the_confirmation_page_names_the_partners(app, client, coalition):
    """The person pressing the button is told which lists it adds them to."""
    from campaigns.submissions.confirmation import confirmation_token

    sign_form(client, coalition.slug, partners=[coalition.food_id], email="ask@example.org")
    sign_form(client, coalition.slug, email="plain@example.org")
    with app.app_context():
        asked, plain = (submission_of(e) for e in ("ask@example.org", "plain@example.org"))
        urls = [f"/a/{coalition.slug}/confirm/{confirmation_token(s)}" for s in (asked, plain)]
    page = client.get(urls[0]).get_data(as_text=True)
    assert "Confirming also adds you to the email lists of Fair Food Coalition" in page
    assert "Confirming also adds you" not in client.get(urls[1]).get_data(as_text=True)


def test_a_person_the_partner_knew_is_matched_and_subscribed(app, client, coalition, run_jobs):
    """Shared to a partner who has the address already (another spelling of it), the
    partner's own row is subscribed, not duplicated, and keeps the partner's details."""
    with app.app_context():
        db.session.add(
            Supporter(
                organization_id=coalition.food_id,
                email="rosaperez@gmail.com",
                email_key="rosaperez@gmail.com",
                first_name="Rosita",
                last_name="P",
                subscribed=False,
            )
        )
        db.session.commit()
    sign_form(client, coalition.slug, partners=[coalition.food_id], email="Rosa.Perez@gmail.com")
    confirm(client, app, "Rosa.Perez@gmail.com")
    run_jobs()
    with app.app_context():
        [person] = partner_supporters(coalition.food_id)
        assert person.first_name == "Rosita" and person.subscribed


def test_a_fraudulent_submission_is_never_shared(app, coalition, run_jobs):
    """An opt-in whose signature was invalidated after it was confirmed is never shared,
    by the job or by the sweep."""
    with app.app_context():
        opt_in_id = _confirmed_opt_in(coalition, "late-fraud@example.org")
        submission = db.session.get(Submission, db.session.get(OptIn, opt_in_id).submission_id)
        submission.fraudulent, submission.fraud_reason = True, "invalidated"
        db.session.commit()
        assert partners.share_submission(submission.id) == 0
        assert partners.sweep() == 0
        assert db.session.get(OptIn, opt_in_id).state == OptInState.pending
        assert partner_supporters(coalition.food_id) == []


def _confirmed_opt_in(coalition, email: str, organization_id: int | None = None) -> int:
    """Sign with a ticked box through the service and confirm the submission directly."""
    from campaigns.models import Action, utcnow

    action = db.session.scalars(select(Action).where(Action.slug == coalition.slug)).one()
    signer = Signer("Ana", "Ruiz", email, partners=(organization_id or coalition.food_id,))
    result = sign(action, signer)
    submission = db.session.get(Submission, result.submission_id)
    submission.confirmed_at = utcnow()
    db.session.commit()
    return db.session.scalars(
        select(OptIn.id).where(OptIn.submission_id == result.submission_id)
    ).one()


@pytest.mark.both_databases
def test_the_cap_is_exact(app, coalition):
    """With a cap of 2, the first two confirmed are shared and the rest kept as over the cap;
    a person already shared counts once when they opt in again on another action."""
    with app.app_context():
        partner = db.session.scalars(
            select(CampaignPartner).where(CampaignPartner.organization_id == coalition.food_id)
        ).one()
        partner.cap = 2
        db.session.commit()
        ids = [_confirmed_opt_in(coalition, f"cap{n}@example.org") for n in range(4)]
        states = [partners.share(i) for i in ids]
        assert states == [
            OptInState.shared,
            OptInState.shared,
            OptInState.over_cap,
            OptInState.over_cap,
        ]
        assert len(partner_supporters(coalition.food_id)) == 2
        # Deciding again changes nothing.
        assert partners.share(ids[2]) is None
        assert partners.shared_counts(coalition.campaign_id) == {coalition.food_id: 2}


@pytest.mark.both_databases
def test_the_cap_holds_when_jobs_race(app, coalition, redis_url):
    """Several workers sharing at once never pass the cap (PostgreSQL locks the partner's
    row; SQLite has one writer)."""
    import threading

    with app.app_context():
        partner = db.session.scalars(
            select(CampaignPartner).where(CampaignPartner.organization_id == coalition.food_id)
        ).one()
        partner.cap = 3
        db.session.commit()
        ids = [_confirmed_opt_in(coalition, f"race{n}@example.org") for n in range(8)]
    errors = []

    def work(chunk):
        try:
            with app.app_context():
                for i in chunk:
                    partners.share(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids[n::4],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite answers "database is locked" to a writer that waited too long: that job
        # fails and is retried by RQ; the sweep finishes what is left.
        with app.app_context():
            partners.sweep()
    else:
        assert errors == []
    with app.app_context():
        states = [db.session.get(OptIn, i).state for i in ids]
        assert states.count(OptInState.shared) == 3
        assert states.count(OptInState.over_cap) == 5
        assert len(partner_supporters(coalition.food_id)) == 3


def test_removing_a_partner_withdraws_what_was_not_shared(app, client, coalition, run_jobs):
    """Removed, a partner gets no one else; whom it already had stays on its list."""
    sign_form(client, coalition.slug, partners=[coalition.food_id], email="first@example.org")
    confirm(client, app, "first@example.org")
    run_jobs()
    sign_form(client, coalition.slug, partners=[coalition.food_id], email="second@example.org")
    with app.app_context():
        partner = db.session.scalars(
            select(CampaignPartner).where(CampaignPartner.organization_id == coalition.food_id)
        ).one()
        assert partner_admin.remove_partner(partner, None) == 1
    confirm(client, app, "second@example.org")
    run_jobs()
    with app.app_context():
        assert [p.email for p in partner_supporters(coalition.food_id)] == ["first@example.org"]
        assert [r.state for r in opt_ins()] == [OptInState.shared, OptInState.withdrawn]
        assert partners.sweep() == 0


def test_the_sweep_shares_what_a_lost_job_left(app, client, coalition, run_jobs):
    """If Redis lost the job, the periodic sweep shares the confirmed opt-in."""
    sign_form(client, coalition.slug, partners=[coalition.food_id], email="lost@example.org")
    confirm(client, app, "lost@example.org")
    from redis import Redis

    Redis.from_url(app.config["REDIS_URL"]).flushall()  # the queued job is gone
    run_jobs()
    with app.app_context():
        assert partner_supporters(coalition.food_id) == []
    assert any(f.__name__ == "sweep_opt_ins" and s == 300 for f, _, s in periodic_jobs())
    from campaigns.partners.tasks import sweep_opt_ins

    with app.app_context():
        assert sweep_opt_ins() == 1
        assert [p.email for p in partner_supporters(coalition.food_id)] == ["lost@example.org"]


def test_unsubscribing_from_the_host_keeps_the_partner_subscription(
    app, client, coalition, run_jobs
):
    """Leaving the host's list is not leaving the partner's: each is its own consent."""
    from campaigns.submissions import subscriptions

    sign_form(
        client,
        coalition.slug,
        partners=[coalition.food_id],
        email="both@example.org",
        subscribe="y",
    )
    confirm(client, app, "both@example.org")
    run_jobs()
    with app.app_context():
        host_person = submission_of("both@example.org").supporter
        assert host_person.subscribed
        subscriptions.unsubscribe(host_person)
        assert not db.session.get(Supporter, host_person.id).subscribed
        [theirs] = partner_supporters(coalition.food_id)
        assert theirs.subscribed


def test_erasure_removes_the_persons_opt_ins(app, client, coalition, run_jobs):
    """Erasing the host's supporter deletes their opt-ins, so nothing more is shared; the
    partner's own copy is the partner's to erase, and erasing it leaves no pointer to it."""
    from campaigns.models import Organization

    for email in ("theirs@example.org", "gone@example.org"):
        sign_form(client, coalition.slug, partners=[coalition.food_id], email=email)
        confirm(client, app, email)
    run_jobs()
    sign_form(client, coalition.slug, partners=[coalition.food_id], email="pending@example.org")
    with app.app_context():
        food = db.session.get(Organization, coalition.food_id)
        theirs = next(p for p in partner_supporters(food.id) if p.email == "theirs@example.org")
        erasure.erase(food, theirs.id, None)  # asked of the partner
        assert opt_ins()[0].partner_supporter_id is None
        host = db.session.get(Organization, coalition.host_id)
        for email in ("gone@example.org", "pending@example.org"):
            erasure.erase(host, submission_of(email).supporter_id, None)
        left = db.session.scalars(
            select(Supporter.email).join(OptIn, OptIn.supporter_id == Supporter.id)
        ).all()
        assert left == ["theirs@example.org"]
        # The partner keeps the person it received: its relationship now.
        assert [p.email for p in partner_supporters(food.id)] == ["gone@example.org"]
