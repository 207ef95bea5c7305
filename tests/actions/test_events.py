import threading
from datetime import timedelta
from email.utils import parseaddr

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from campaigns.core.spreadsheets import safe_cell
from campaigns.events import rsvps as events
from campaigns.events.rsvps import reminder_job_id
from campaigns.extensions import db, queues
from campaigns.models import Action, OutboxEmail, Rsvp, RsvpStatus, Shift, Submission
from campaigns.submissions import confirmation
from campaigns.submissions.signing import Signer
from tests.factories import from_new_address, make_event, signer_form


def post_rsvp(client, csrf, slug, shift_ids, **fields):
    data = signer_form(**fields)
    data["shifts"] = [str(i) for i in shift_ids]
    data.setdefault("csrf_token", csrf(f"/a/{slug}"))
    return client.post(f"/a/{slug}", data=data, **from_new_address())


def shift_ids(app, slug) -> list[int]:
    with app.app_context():
        action = db.session.scalars(select(Action).where(Action.slug == slug)).one()
        return [s.id for s in events.shifts_of(action)]


def statuses(app) -> dict[str, str]:
    """Each RSVP's status, by the email of the person."""
    with app.app_context():
        rows = db.session.scalars(select(Rsvp).order_by(Rsvp.id))
        return {f"{r.submission.supporter.email}@{r.shift_id}": r.status.value for r in rows}


def outbox(app) -> list[OutboxEmail]:
    with app.app_context():
        emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return emails


@pytest.fixture
def event_slug(app):
    with app.app_context():
        return make_event(shifts=[(1, 5), (3, 6)]).slug


def test_event_page_lists_shifts_with_places_left(client, event_slug):
    """The event page lists each shift with its place and how many places are left."""
    html = client.get(f"/a/{event_slug}").get_data(as_text=True)
    assert "Gate 1, Acme warehouse" in html
    assert "1 place left" in html and "3 places left" in html
    assert "RSVPs" in html


def test_rsvp_to_several_shifts_then_the_waitlist(app, client, csrf, event_slug):
    """A supporter RSVPs to two shifts; the next one for the full shift is waitlisted."""
    first, second = shift_ids(app, event_slug)
    resp = post_rsvp(client, csrf, event_slug, [first, second], email="ana@example.org")
    assert resp.status_code == 302 and "signed=new" in resp.headers["Location"]
    thanks = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your RSVP!" in thanks
    assert thanks.count("calendar.ics") == 2
    post_rsvp(client, csrf, event_slug, [first], email="ben@example.org")
    assert statuses(app) == {
        f"ana@example.org@{first}": "attending",
        f"ana@example.org@{second}": "attending",
        f"ben@example.org@{first}": "waitlisted",
    }
    html = client.get(f"/a/{event_slug}").get_data(as_text=True)
    assert "Full: you will join the waitlist" in html


def test_rsvp_again_adds_new_shifts_only(app, client, csrf, event_slug):
    """RSVPing again with the same email keeps one submission and adds the new shift."""
    first, second = shift_ids(app, event_slug)
    post_rsvp(client, csrf, event_slug, [first], email="ana@example.org")
    resp = post_rsvp(client, csrf, event_slug, [first, second], email="Ana@example.org")
    assert "signed=again" in resp.headers["Location"]
    with app.app_context():
        assert len(db.session.scalars(select(Submission)).all()) == 1
    assert set(statuses(app).values()) == {"attending"} and len(statuses(app)) == 2


@pytest.mark.parametrize(
    ("shifts", "fields", "message"),
    [
        ([], {}, "Please choose at least one shift."),
        (["999999"], {}, "Please choose among the shifts listed."),
        (None, {"email": "ana@"}, "Please enter a valid email address"),
        (None, {"first_name": ""}, "Please enter your first name."),
    ],
)
def test_bad_rsvp_is_refused_and_nothing_written(
    app, client, csrf, event_slug, shifts, fields, message
):
    """Bad RSVPs come back 422 with the message next to the field, and nothing is stored."""
    ids = shifts if shifts is not None else shift_ids(app, event_slug)[:1]
    data = signer_form(**fields)
    data["shifts"] = [str(i) for i in ids]
    data["csrf_token"] = csrf(f"/a/{event_slug}")
    resp = client.post(f"/a/{event_slug}", data=data, **from_new_address())
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission)).first() is None
        assert db.session.scalars(select(Rsvp)).first() is None


def rsvp_at_once(app, action_id: int, shift_id: int, emails: list[str]) -> list[Exception]:
    barrier = threading.Barrier(len(emails), timeout=30)
    errors = []

    def attempt(email):
        with app.app_context():
            action = db.session.get(Action, action_id)
            signer = Signer(first_name="A", last_name="B", email=email, postcode="94612")
            barrier.wait()
            try:
                events.rsvp(action, signer, [shift_id])
            except Exception as exc:  # collected, then asserted empty
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(e,)) for e in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.both_databases
def test_two_rsvps_for_the_last_place_one_gets_it(app):
    """Two people RSVP at the same moment for the last place: one attends, one waits."""
    with app.app_context():
        action = make_event(shifts=[(2, 5)])
        action_id, shift_id = action.id, events.shifts_of(action)[0].id
        events.rsvp(action, Signer("Ana", "R", "ana@example.org", "94612"), [shift_id])
    for round_ in range(3):
        emails = [f"p{round_}-{n}@example.org" for n in range(2)]
        assert rsvp_at_once(app, action_id, shift_id, emails) == []
    with app.app_context():
        rows = db.session.scalars(select(Rsvp).where(Rsvp.shift_id == shift_id)).all()
        by_status = [r.status for r in rows]
        assert by_status.count(RsvpStatus.attending) == 2
        assert by_status.count(RsvpStatus.waitlisted) == 5


@pytest.mark.both_databases
def test_cancelling_promotes_the_first_waitlisted_and_emails_them(
    app, client, csrf, event_slug, run_jobs
):
    """Cancelling from the email link frees the place; the first on the waitlist gets it
    and an email saying so; the second stays on the waitlist."""
    first, _ = shift_ids(app, event_slug)
    for name in ("ana", "ben", "cruz"):
        post_rsvp(client, csrf, event_slug, [first], email=f"{name}@example.org")
    run_jobs()
    confirmation = next(e for e in outbox(app) if "ana@example.org" in e.to_address)
    assert "Your RSVP" in confirmation.subject
    cancel_url = next(
        line.split(": ", 1)[1] for line in confirmation.text_body.splitlines() if "/cancel" in line
    ).replace("http://campaigns.test", "")
    page = client.get(cancel_url)
    assert page.status_code == 200 and statuses(app)[f"ana@example.org@{first}"] == "attending"
    from tests.conftest import csrf_from

    done = client.post(cancel_url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "Your RSVP is cancelled" in done.get_data(as_text=True)
    assert statuses(app) == {
        f"ana@example.org@{first}": "cancelled",
        f"ben@example.org@{first}": "attending",
        f"cruz@example.org@{first}": "waitlisted",
    }
    run_jobs()
    promoted = [e for e in outbox(app) if e.subject.startswith("A place opened up")]
    assert [parseaddr(e.to_address)[1] for e in promoted] == ["ben@example.org"]
    # Cancelling twice frees nothing more.
    client.post(cancel_url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert statuses(app)[f"cruz@example.org@{first}"] == "waitlisted"


def test_reminder_is_scheduled_a_day_before_and_skips_cancelled(app, client, login, csrf, run_jobs):
    """Saving an event schedules each shift's reminder in RQ for a day before it starts;
    run, it reminds the people attending, not those who cancelled or wait."""
    from tests.factories import make_campaign, make_organization, make_user

    with app.app_context():
        org = make_organization()
        user = make_user(org)
        campaign = make_campaign(org)
        email, org_slug, campaign_id = user.email, org.slug, campaign.id
    login(email)
    url = f"/organize/{org_slug}/campaigns/{campaign_id}/event/new"
    resp = client.post(
        url,
        data={
            "csrf_token": csrf(url),
            "title_en": "Picket at Acme",
            "body_en": "Bring a sign.",
            "shifts": "2031-03-02 06:00, 2031-03-02 10:00, 1, Gate 3",
            "slug": "picket-at-acme",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        shift = db.session.scalars(select(Shift)).one()
        registry = ScheduledJobRegistry(queue=Queue("mail", connection=queues.connection))
        job_id = reminder_job_id(shift.id)
        assert job_id in registry.get_job_ids()
        when = registry.get_scheduled_time(job_id)
        assert when.replace(tzinfo=None) == (shift.starts_at - timedelta(days=1)).replace(
            tzinfo=None
        )
        shift_id = shift.id
    client.post("/organize/logout", data={"csrf_token": csrf(f"/organize/{org_slug}/")})
    for name in ("ana", "ben", "cruz"):
        post_rsvp(client, csrf, "picket-at-acme", [shift_id], email=f"{name}@example.org")
    with app.app_context():
        ana = db.session.scalars(
            select(Rsvp)
            .join(Submission)
            .join(Submission.supporter)
            .where(Submission.supporter.has(email="ana@example.org"))
        ).one()
        events.cancel(ana)  # ben is promoted; cruz still waits
        # The scheduler would move the job to its queue at the due time; here, now.
        job = Queue("mail", connection=queues.connection).fetch_job(reminder_job_id(shift_id))
        registry.remove(job)
        Queue("mail", connection=queues.connection).enqueue_job(job)
    run_jobs(["mail"])
    reminders = [e for e in outbox(app) if e.subject.startswith("Reminder:")]
    assert [parseaddr(e.to_address)[1] for e in reminders] == ["ben@example.org"]
    assert "Gate 3" in reminders[0].text_body and "/cancel" in reminders[0].text_body


def test_calendar_file_follows_rfc_5545(app, client, csrf):
    """The .ics of an RSVP has a VEVENT in UTC with CRLF lines folded at 75 octets."""
    with app.app_context():
        action = make_event(shifts=[(5, 3)])
        shift = events.shifts_of(action)[0]
        shift.place = "Puerta 3, almacén de Acme; turno de mañana, " + "ñ" * 60
        db.session.commit()
        slug, shift_id = action.slug, shift.id
        starts = shift.starts_at.strftime("%Y%m%dT%H%M%SZ")
        ends = shift.ends_at.strftime("%Y%m%dT%H%M%SZ")
    resp = post_rsvp(client, csrf, slug, [shift_id])
    thanks = client.get(resp.headers["Location"]).get_data(as_text=True)
    import re

    link = re.search(r'href="([^"]+calendar\.ics)"', thanks).group(1)
    ics = client.get(link)
    assert ics.mimetype == "text/calendar"
    raw = ics.get_data()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode("utf-8")  # folding never splits a character
    unfolded = raw.replace(b"\r\n ", b"").decode()
    lines = unfolded.split("\r\n")
    for expected in (f"DTSTART:{starts}", f"DTEND:{ends}", "BEGIN:VEVENT", "END:VEVENT"):
        assert expected in lines
    assert any(line.startswith("UID:rsvp-") for line in lines)
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert "LOCATION:Puerta 3\\, almacén de Acme\\; turno de mañana\\, " + "ñ" * 60 in lines
    assert any(line.startswith("SUMMARY:Event ") for line in lines)
    assert client.get(link.replace("calendar.ics", "x/calendar.ics")).status_code == 404


def test_roster_csv_neutralizes_formulas(app, client, csrf, login):
    """The roster CSV lists each RSVP by shift and status; cells that a spreadsheet would
    run as a formula start with a quote."""
    import csv
    import io

    from tests.factories import make_campaign, make_organization, make_user

    with app.app_context():
        org = make_organization()
        email = make_user(org).email
        action = make_event(make_campaign(org), shifts=[(1, 4)])
        slug, action_id, org_slug = action.slug, action.id, org.slug
        first = events.shifts_of(action)[0].id
    evil = {
        '=HYPERLINK("http://x")': "ana@example.org",
        "+1": "ben@example.org",
        "-2": "cruz@example.org",
        "@SUM(A1)": "dora@example.org",
    }
    for name, mail in evil.items():
        post_rsvp(client, csrf, slug, [first], first_name="Ok", city=name, email=mail)
    with app.app_context():
        sub = db.session.scalars(select(Submission).order_by(Submission.id)).first()
        sub.supporter.last_name = "\tTab"
        db.session.commit()
    login(email)
    page = client.get(f"/organize/{org_slug}/actions/{action_id}/roster").get_data(as_text=True)
    assert "1 of 1 places taken" in page and "3 waitlisted" in page
    resp = client.get(f"/organize/{org_slug}/actions/{action_id}/roster.csv")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["status"] for r in rows] == ["attending", "waitlisted", "waitlisted", "waitlisted"]
    assert [r["city"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)"]
    assert rows[0]["last_name"] == "'\tTab"
    assert rows[0]["email"] == "ana@example.org"
    assert safe_cell("\rx") == "'\rx" and safe_cell("plain") == "plain"


def test_counts_leave_out_people_who_cancelled_every_place(app, client, csrf, event_slug, run_jobs):
    """The page's "N RSVPs" and count.json count people still coming (or waitlisted): one who
    cancelled their only place drops out; one who kept another place stays."""
    first, second = shift_ids(app, event_slug)
    post_rsvp(client, csrf, event_slug, [first], email="ana@example.org")
    post_rsvp(client, csrf, event_slug, [first, second], email="ben@example.org")
    run_jobs(["counts"])

    def shown() -> tuple[int, int]:
        page = client.get(f"/a/{event_slug}").get_data(as_text=True)
        count = client.get(f"/a/{event_slug}/count.json").get_json()["count"]
        return int(page.split("data-count>", 1)[1].split("<", 1)[0]), count

    assert shown() == (2, 2)
    with app.app_context():
        rows = {
            f"{r.submission.supporter.email}@{r.shift_id}": r
            for r in db.session.scalars(select(Rsvp))
        }
        events.cancel(rows[f"ana@example.org@{first}"])
        events.cancel(rows[f"ben@example.org@{first}"])
    assert shown() == (1, 1)


def rsvp_from_one_address(client, csrf, slug, shift_id, address):
    """Ana, then Ben, RSVP to one shift from the same address (a union hall's Wi-Fi); the
    answer to Ben's post."""
    for name in ("ana", "ben"):
        data = signer_form(email=f"{name}@example.org")
        data["shifts"] = [str(shift_id)]
        data["csrf_token"] = csrf(f"/a/{slug}")
        response = client.post(f"/a/{slug}", data=data, environ_overrides={"REMOTE_ADDR": address})
    return response


@pytest.mark.both_databases
def test_a_second_rsvp_from_one_address_is_held_until_confirmed(app, client, csrf, event_slug):
    """Two people at the union hall RSVP from its Wi-Fi: the second is told the place is not
    reserved yet, and confirming from the email takes it."""
    # The second shift has three places: the one who confirms finds one free.
    _, first = shift_ids(app, event_slug)
    response = rsvp_from_one_address(client, csrf, event_slug, first, "203.0.113.80")
    assert "signed=held" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your place is not reserved yet" in page and "waiting for you to confirm" in page
    assert statuses(app) == {
        f"ana@example.org@{first}": "attending",
        f"ben@example.org@{first}": "held",
    }
    with app.app_context():
        ben = db.session.scalars(select(Rsvp).where(Rsvp.status == RsvpStatus.held)).one()
        assert confirmation.confirm(ben.submission)
    assert statuses(app)[f"ben@example.org@{first}"] == "attending"


def test_a_held_rsvp_confirmed_when_the_shift_is_full_joins_the_waitlist(
    app, client, csrf, event_slug
):
    """Confirming takes a place only if one is still free; otherwise the waitlist."""
    first, _ = shift_ids(app, event_slug)  # one place
    rsvp_from_one_address(client, csrf, event_slug, first, "203.0.113.81")
    with app.app_context():
        ben = db.session.scalars(select(Rsvp).where(Rsvp.status == RsvpStatus.held)).one()
        assert confirmation.confirm(ben.submission)
    assert statuses(app)[f"ben@example.org@{first}"] == "waitlisted"
