import threading

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, Milestone, Organization, OutboxEmail, Role
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import counts, milestones
from campaigns.tracking import milestones as milestone_jobs
from tests.factories import make_campaign, make_organization, make_petition, make_user


def milestone_mails() -> list[OutboxEmail]:
    """The outbox without the signers' confirmation emails."""
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.subject.like("Milestone reached%"))
        .order_by(OutboxEmail.id)
    ).all()


def sign_many(petition, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        sign(petition, Signer(first_name="Ana", last_name="Ruiz", email=f"m{i}@example.org"))


@pytest.fixture
def team(app):
    """Local 8 with an owner, an organizer, a staff member and a viewer."""
    with app.app_context():
        org = make_organization(slug="local-8", name="Local 8")
        for role in (Role.owner, Role.organizer, Role.staff, Role.viewer):
            make_user(org, role, email=f"{role.value}@local8.example")
        return org.id


@pytest.mark.both_databases
def test_milestone_emails_owners_and_organizers_once(app, backend, team, run_jobs):
    """Crossing 3 signatures mails the owner and organizer once, however many tallies follow."""
    with app.app_context():
        org = db.session.get(Organization, team)
        petition = make_petition(make_campaign(org), goal=10)
        petition_id = petition.id
        milestones.add(petition, 3)
        milestones.add(petition, 50, percent=True)
        sign_many(petition, 2)
    run_jobs()
    with app.app_context():
        assert milestone_mails() == []
        sign_many(db.session.get(Action, petition_id), 2, start=2)
    run_jobs()
    with app.app_context():
        sign_many(db.session.get(Action, petition_id), 1, start=4)
    run_jobs()  # 5 of 10: the 50% milestone too
    with app.app_context():
        counts.tally_all()
        assert milestones.check() == []
        mails = milestone_mails()
        reached = db.session.scalars(select(Milestone).order_by(Milestone.value)).all()
    got = sorted(
        (m.to_address.split("<")[1].rstrip(">"), m.subject.split(" on ")[0]) for m in mails
    )
    assert got == [
        ("organizer@local8.example", "Milestone reached: 3 signatures"),
        ("organizer@local8.example", "Milestone reached: 50% of the goal"),
        ("owner@local8.example", "Milestone reached: 3 signatures"),
        ("owner@local8.example", "Milestone reached: 50% of the goal"),
    ]
    assert [(m.value, m.reached_total) for m in reached] == [(3, 4), (50, 5)]
    assert "/organize/local-8/actions/" in mails[0].text_body


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_simultaneous_checks_announce_a_milestone_once(app, backend, team):
    """Four checks racing over a crossed milestone: exactly one of them reaches it."""
    with app.app_context():
        org = db.session.get(Organization, team)
        petition = make_petition(make_campaign(org))
        milestones.add(petition, 2)
        sign_many(petition, 3)
        counts.tally_all()
    barrier = threading.Barrier(4, timeout=30)
    reached, errors = [], []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                reached.extend(milestones.check())
            except Exception as exc:  # collected, then asserted empty
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(reached) == 1


def test_milestone_check_is_queued_once_per_burst_of_tallies(app, team):
    """Several tallies in a row leave one milestone check waiting, not one each."""
    from campaigns.extensions import queues

    with app.app_context():
        assert milestone_jobs.after_tally(0) == 0
        assert len(queues.queue("counts")) == 0
        for _ in range(3):
            milestone_jobs.after_tally(5)
        assert len(queues.queue("counts")) == 1


def test_public_page_announces_the_highest_milestone_in_both_languages(app, client, team):
    """Once reached, "We reached 1,000 signatures!" shows, in Spanish for Spanish readers."""
    with app.app_context():
        org = db.session.get(Organization, team)
        petition = make_petition(make_campaign(org), goal=4)
        milestones.add(petition, 1)
        milestones.add(petition, 2)
        milestones.add(petition, 3, announce=False)
        slug = petition.slug
        assert "We reached" not in client.get(f"/a/{slug}").get_data(as_text=True)
        sign_many(petition, 3)
        counts.tally_all()
        milestones.check()
    html = client.get(f"/a/{slug}").get_data(as_text=True)
    assert "We reached 2 signatures!" in html
    spanish = client.get(f"/a/{slug}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "¡Llegamos a 2 firmas!" in spanish


def test_milestones_are_added_and_removed_on_the_dashboard(app, client, organizer, csrf):
    """An organizer adds a number and a percent milestone, is told about a bad one, removes one."""
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        petition_id = make_petition(make_campaign(org), goal=200).id
    url = f"{organizer}/actions/{petition_id}/dashboard"
    token = csrf(url)
    post = f"{organizer}/actions/{petition_id}/milestones"
    client.post(post, data={"value": "1000", "kind": "count", "announce": "y", "csrf_token": token})
    client.post(post, data={"value": "50", "kind": "percent", "csrf_token": token})
    client.post(post, data={"value": "150", "kind": "percent", "csrf_token": token})
    html = client.get(url).get_data(as_text=True)
    assert "1,000 signatures" in html and "50% of the goal" in html
    assert "a percent is between 1 and 100" in html
    with app.app_context():
        rows = db.session.scalars(select(Milestone).order_by(Milestone.id)).all()
        assert [(m.value, m.percent, m.announce) for m in rows] == [
            (1000, False, True),
            (50, True, False),
        ]
        first = rows[0].id
    client.post(f"{post}/{first}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalars(select(Milestone.value)).all() == [50]
