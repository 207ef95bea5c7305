"""Letters to Congress end to end: written by a supporter, queued, delivered by real RQ
workers to the local CWC server, which checks every document against the schema."""

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

from campaigns.congress import office_lists, pacing
from campaigns.extensions import db, queues
from campaigns.letters import congress_delivery
from campaigns.letters.compose import DistrictChoiceNeeded, LetterError, routes_to, send_letter
from campaigns.letters.postal import Address, AddressError
from campaigns.models import Channel, ConstituentAddress, Message, MessageStatus, Submission
from campaigns.submissions.signing import Signer
from tests.factories import make_congress_letter
from tests.support.cwc_server import Reply

VERMONT = Address("Ms.", "12 Church St", "", "Burlington", "VT", phone="(802) 555-0199")
OAKLAND = Address("Mr.", "4000 MacArthur Blvd", "Apt 2", "Oakland", "CA")


def write(action, n=0, postcode="05401", address=VERMONT, districts=None, **signer):
    person = Signer("Ana", f"Ruiz{n}", f"ana{n}@example.org", postcode=postcode, **signer)
    return send_letter(action, person, districts=districts, address=address)


def statuses() -> dict[str, str]:
    rows = db.session.execute(select(Message.to_name, Message.status)).all()
    return {name: status.value for name, status in rows}


def posts(cwc):
    """The documents posted (the office-list fetches left out)."""
    return [r for r in cwc.received if r.method == "POST"]


def clean_queues():
    """Only the delivery jobs a test queues itself: no confirmation mail, no tallies."""
    queues.connection.flushall()


@pytest.mark.both_databases
def test_a_vermonter_reaches_all_three_offices_once(cwc_app, cwc, run_jobs):
    with cwc_app.app_context():
        action = make_congress_letter()
        result = write(action)
        assert {r.channel for r in routes_to(action, "05401")} == {
            Channel.cwc_house,
            Channel.cwc_senate,
        }
        # The address waits with the letters, in CWC's form.
        kept = db.session.get(ConstituentAddress, result.submission_id)
        assert (kept.state, kept.zip, kept.phone) == ("VT", "05401", "802-555-0199")
    run_jobs(["mail"])

    delivered = cwc.deliveries()
    assert sorted(r.office for r in delivered) == ["HVT00", "SVT01"]
    with cwc_app.app_context():
        state = statuses()
        assert state["Becca Balint"] == "delivered"
        assert state["Bernard Sanders"] == "delivered"
        # Welch's office (SVT03) is not on the server's Senate list: refused, with the reason.
        welch = db.session.scalars(select(Message).where(Message.to_name == "Peter Welch")).one()
        assert welch.status == MessageStatus.failed and "SVT03" in welch.last_error
        # Each delivered document names its office, the person, and a stable DeliveryId.
        for received in delivered:
            document = etree.fromstring(received.body)
            assert document.findtext("Constituent/Zip") == "05401"
            assert document.findtext("Constituent/Phone") == "802-555-0199"
            assert document.findtext("Message/LibraryOfCongressTopics/LibraryOfCongressTopic") == (
                "Labor and Employment"
            )
            message = db.session.scalars(
                select(Message).where(Message.provider_message_id == received.delivery_id)
            ).one()
            assert message.channel == received.office[0].replace("H", "cwc_house").replace(
                "S", "cwc_senate"
            )
        # The failed letter may be retried, so the address stays until it is settled.
        assert db.session.scalar(select(func.count()).select_from(ConstituentAddress)) == 1


def test_the_office_lists_keep_unlisted_offices_off_the_letter(cwc_app, cwc, run_jobs):
    with cwc_app.app_context():
        assert office_lists.refresh_configured() == {"house": 3, "senate": 3}
        action = make_congress_letter()
        routes = {r.target.name: r for r in routes_to(action, "05401")}
        assert set(routes) == {"Becca Balint", "Bernard Sanders"}  # Welch is not reachable
        result = write(action)
        assert db.session.scalar(select(func.count()).select_from(Message)) == 2
    run_jobs(["mail"])
    assert sorted(r.office for r in cwc.deliveries()) == ["HVT00", "SVT01"]
    with cwc_app.app_context():
        assert set(statuses().values()) == {"delivered"}
        # Nothing left on its way: the address is gone.
        assert db.session.get(ConstituentAddress, result.submission_id) is None


def test_a_zip_in_three_districts_asks_which_and_reaches_that_district(cwc_app, cwc, run_jobs):
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        with pytest.raises(DistrictChoiceNeeded):
            write(action, postcode="94619", address=OAKLAND)
        write(action, postcode="94619", address=OAKLAND, districts=["CA-12"])
    run_jobs(["mail"])
    assert sorted(r.office for r in cwc.deliveries()) == ["HCA12", "SCA01", "SCA03"]
    body = cwc.deliveries("house")[0].body
    assert b"<Address2>Apt 2</Address2>" in body and b"<StateAbbreviation>CA" in body


def test_the_address_is_required_and_must_be_in_the_districts_state(cwc_app):
    with cwc_app.app_context():
        action = make_congress_letter()
        with pytest.raises(AddressError) as missing:
            write(action, address=None)
        assert set(missing.value.problems) == {"prefix", "address1", "city", "state"}
        elsewhere = Address("Dr.", "1 Main St", "", "Reno", "NV")
        with pytest.raises(AddressError) as wrong_state:
            write(action, address=elsewhere)
        assert "VT" in str(wrong_state.value.problems["state"])
        with pytest.raises(AddressError) as bad_phone:
            write(action, address=Address(**(vars(VERMONT) | {"phone": "555-01"})))
        assert set(bad_phone.value.problems) == {"phone"}
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_hostile_text_arrives_as_text(cwc_app, cwc, run_jobs):
    hostile = 'Hi </ConstituentMessage><Admin>yes</Admin> & "quotes" <![CDATA[x]]> \x07bell'
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter(body=hostile, subject="<b>Subject</b> & more")
        write(action)
    run_jobs(["mail"])
    assert len(cwc.deliveries()) == 2  # accepted: each was valid against the schema
    for received in cwc.deliveries():
        document = etree.fromstring(received.body)
        assert document.find(".//Admin") is None
        assert document.findtext("Message/ConstituentMessage") == hostile.replace("\x07", "")
        assert document.findtext("Message/Subject") == "<b>Subject</b> & more"


def test_a_failing_chamber_is_retried_with_the_same_delivery_id(cwc_app, cwc, run_jobs):
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        write(action)
        clean_queues()
        ids = sorted(db.session.scalars(select(Message.id)))
        cwc.replies = [Reply(503), Reply(503)]
        assert congress_delivery.deliver(ids) == {"retrying": 2}
        first = {r.office: r.delivery_id for r in cwc.received if r.method == "POST"}
        # Due again (the back-off elapsed): the same documents, the same ids.
        db.session.execute(Message.__table__.update().values(due_at=datetime.now(UTC)))
        db.session.commit()
        assert congress_delivery.deliver(ids) == {"delivered": 2}
        second = {r.office: r.delivery_id for r in cwc.deliveries()}
        assert second == first
        assert {m.attempts for m in db.session.scalars(select(Message))} == {2}


def test_a_repeat_the_chamber_already_accepted_counts_as_delivered(cwc_app, cwc):
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        write(action)
        clean_queues()
        ids = sorted(db.session.scalars(select(Message.id)))
        # Both chambers took these before (an answer lost on the way back, say).
        for message in db.session.scalars(select(Message)):
            chamber = "house" if message.channel == "cwc_house" else "senate"
            agent = cwc_app.config["CWC_DELIVERY_AGENT"]
            cwc.accepted[chamber].append(congress_delivery.documents.delivery_id(agent, message.id))
        assert congress_delivery.deliver(ids) == {"delivered": 2}
        assert sorted(r.status for r in posts(cwc)) == [400, 409]  # House names it; Senate 409
        assert cwc.deliveries() == []


def test_a_refused_document_fails_with_the_chambers_reasons(cwc_app, cwc):
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        write(action)
        clean_queues()
        house = db.session.scalars(select(Message).where(Message.channel == "cwc_house")).one()
        errors = (
            "<Errors><Error>Zip 05401 is not in HVT00</Error><Error>Bad prefix</Error></Errors>"
        )
        cwc.replies = [Reply(400, errors)]
        assert congress_delivery.deliver([house.id]) == {"failed": 1}
        db.session.refresh(house)
        assert house.status == MessageStatus.failed
        assert "Zip 05401 is not in HVT00; Bad prefix" in house.last_error


def test_a_refused_key_pauses_the_chamber_and_its_letters_wait(cwc_app, cwc):
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        for n in range(3):
            write(action, n)
        clean_queues()
        house = sorted(db.session.scalars(select(Message.id).where(Message.channel == "cwc_house")))
        cwc.replies = [Reply(401)]
        assert congress_delivery.deliver(house) == {"deferred": 3}
        assert "refused the API key" in pacing.paused("house")
        rows = db.session.scalars(select(Message).where(Message.id.in_(house))).all()
        assert {(m.status, m.attempts) for m in rows} == {(MessageStatus.queued, 0)}
        assert all(m.due_at > datetime.now(UTC) + timedelta(minutes=10) for m in rows)
        # While paused nothing is sent; once resumed they go.
        db.session.execute(Message.__table__.update().values(due_at=datetime.now(UTC)))
        db.session.commit()
        assert congress_delivery.deliver(house) == {"deferred": 3}
        assert len(posts(cwc)) == 1
        pacing.resume("house")
        assert congress_delivery.deliver(house) == {"delivered": 3}


def test_the_senates_maintenance_window_defers_without_a_try(cwc_app, cwc):
    sunday_3am_eastern = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)  # EST is UTC-5
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        write(action)
        clean_queues()
        ids = sorted(db.session.scalars(select(Message.id)))
        assert congress_delivery.deliver(ids, now=sunday_3am_eastern) == {
            "delivered": 1,
            "deferred": 1,
        }
        senate = db.session.scalars(select(Message).where(Message.channel == "cwc_senate")).one()
        assert senate.status == MessageStatus.queued and senate.attempts == 0
        assert "maintenance" in senate.last_error
        assert [r.office for r in posts(cwc)] == ["HVT00"]


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        (datetime(2026, 12, 6, 5, 0, tzinfo=UTC), datetime(2026, 12, 6, 11, 0, tzinfo=UTC)),
        (datetime(2026, 12, 6, 10, 59, tzinfo=UTC), datetime(2026, 12, 6, 11, 0, tzinfo=UTC)),
        (datetime(2026, 12, 6, 11, 0, tzinfo=UTC), None),  # Sunday 06:00 EST: open again
        (datetime(2026, 12, 9, 10, 30, tzinfo=UTC), datetime(2026, 12, 9, 12, 0, tzinfo=UTC)),
        # Summer time: Wednesday 05:00 EDT is 09:00 UTC.
        (datetime(2026, 7, 8, 9, 0, tzinfo=UTC), datetime(2026, 7, 8, 11, 0, tzinfo=UTC)),
        (datetime(2026, 7, 8, 8, 59, tzinfo=UTC), None),
        (datetime(2026, 12, 5, 5, 0, tzinfo=UTC), None),  # a Saturday night
    ],
)
def test_maintenance_windows_are_us_eastern(moment, ends):
    assert pacing.maintenance_ends("senate", moment) == ends
    assert pacing.maintenance_ends("house", moment) is None


def test_without_keys_congress_is_shown_not_sent(app):
    with app.app_context():
        action = make_congress_letter()
        routes = routes_to(action, "05401")
        assert routes == []  # nobody can be written to here
        with pytest.raises(LetterError, match="can receive it from here"):
            write(action)


def test_a_paced_job_stops_before_its_timeout_and_queues_the_rest(cwc_app, cwc):
    """At 5 a second a big job would outlive RQ's timeout and be killed mid-send: it stops
    at half of JOB_TIMEOUT, gives back what it claimed, and queues the rest as a new job."""
    cwc_app.config.update(CWC_RATE_PER_SECOND=5, JOB_TIMEOUT=2)
    with cwc_app.app_context():
        office_lists.refresh_configured()
        action = make_congress_letter()
        for n in range(8):
            write(action, n)
        clean_queues()
        ids = sorted(db.session.scalars(select(Message.id)))
        tally = congress_delivery.deliver(ids)
        assert tally["requeued"] > 0
        assert tally["delivered"] + tally["requeued"] == 16
        rows = db.session.scalars(select(Message)).all()
        waiting = [m for m in rows if m.status == MessageStatus.queued]
        assert len(waiting) == tally["requeued"] and {m.attempts for m in waiting} == {0}
        assert queues.queue("mail").count == 1  # the rest, in one job
        assert len(posts(cwc)) == tally["delivered"]
