import threading

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Action, CampaignStatus, Submission, Supporter
from campaigns.submissions.signing import ActionClosed, Signer, sign
from campaigns.tracking import counts
from tests.factories import make_campaign, make_organization, make_petition

pytestmark = pytest.mark.both_databases


def signer(**overrides) -> Signer:
    values = {"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.org"}
    values.update(overrides)
    return Signer(**values)


def submission_count(action_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.action_id == action_id)
    )


def test_sign_records_supporter_submission_and_count(app, run_jobs):
    """A signature creates the person and the submission; the tally job counts it once."""
    with app.app_context():
        petition = make_petition()
        result = sign(petition, signer(postcode="94612", source="flyer", comment="Fair pay"))
        assert result.created
        supporter = db.session.get(Supporter, result.submission.supporter_id)
        assert supporter.organization_id == petition.campaign.organization_id
        assert supporter.email_key == "ana@example.org"
        assert result.submission.source == "flyer"
        assert counts.for_action(petition).signed == 0  # signing touches no counter
        run_jobs(["counts"])
        assert counts.for_action(petition).signed == 1
        assert counts.public_total(petition) == 1


def test_signing_twice_with_an_alias_is_one_signature(app, run_jobs):
    """The same mailbox under a Gmail alias signs once, and the count stays at one."""
    with app.app_context():
        petition = make_petition()
        first = sign(petition, signer(email="ana.lopez@gmail.com"))
        again = sign(petition, signer(email="AnaLopez+petition@googlemail.com"))
        assert first.created and not again.created
        assert again.submission.id == first.submission.id
        assert submission_count(petition.id) == 1
        run_jobs(["counts"])
        assert counts.for_action(petition).signed == 1


def test_same_email_in_two_organizations_is_two_supporters(app):
    """Organizations never share a supporter record."""
    with app.app_context():
        one = make_petition(make_campaign(make_organization()))
        two = make_petition(make_campaign(make_organization()))
        a = sign(one, signer())
        b = sign(two, signer())
        assert a.submission.supporter_id != b.submission.supporter_id


def test_newest_details_update_the_supporter(app):
    """Signing another action updates name and postcode, as Action Network does."""
    with app.app_context():
        campaign = make_campaign()
        first, second = make_petition(campaign), make_petition(campaign)
        sign(first, signer(postcode="10001"))
        result = sign(second, signer(first_name="Anita", postcode="10002"))
        supporter = db.session.get(Supporter, result.submission.supporter_id)
        assert (supporter.first_name, supporter.postcode) == ("Anita", "10002")


def test_unticked_box_does_not_unsubscribe(app):
    """Opting in sticks; a later signature without the box ticked keeps it."""
    with app.app_context():
        campaign = make_campaign()
        first, second = make_petition(campaign), make_petition(campaign)
        sign(first, signer(subscribe=True))
        result = sign(second, signer(subscribe=False))
        assert db.session.get(Supporter, result.submission.supporter_id).subscribed


@pytest.mark.parametrize("status", [CampaignStatus.draft, CampaignStatus.closed])
def test_cannot_sign_unless_live(app, status):
    """Drafts and closed campaigns take no signatures and store nothing."""
    with app.app_context():
        petition = make_petition(make_campaign(status=status))
        with pytest.raises(ActionClosed):
            sign(petition, signer())
        assert submission_count(petition.id) == 0
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 0


def sign_at_once(app, petition_id: int, emails: list[str]) -> list[Exception]:
    """Sign with each email from its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(emails), timeout=30)
    errors = []

    def attempt(email):
        with app.app_context():
            petition = db.session.get(Action, petition_id)
            barrier.wait()
            try:
                sign(petition, signer(email=email))
            except Exception as exc:  # collected, then asserted empty
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(email,)) for email in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_signatures_of_one_person_count_once(app, run_jobs):
    """Eight simultaneous requests from one mailbox make one supporter and one signature."""
    with app.app_context():
        petition_id = make_petition().id
    assert sign_at_once(app, petition_id, [f"ana+{n}@gmail.com" for n in range(8)]) == []
    run_jobs(["counts"])
    with app.app_context():
        assert submission_count(petition_id) == 1
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 1
        assert counts.for_action(db.session.get(Action, petition_id)).signed == 1


def test_concurrent_signatures_of_different_people_all_count(app, run_jobs):
    """Ten people signing at once are ten signatures, none lost in the counter."""
    with app.app_context():
        petition_id = make_petition().id
    assert sign_at_once(app, petition_id, [f"person{n}@example.org" for n in range(10)]) == []
    run_jobs(["counts"])
    with app.app_context():
        assert submission_count(petition_id) == 10
        assert counts.for_action(db.session.get(Action, petition_id)).signed == 10
