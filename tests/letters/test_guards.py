from collections import Counter

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.letters.compose import Letter, send_letter
from campaigns.letters.review import reject_reviewed, release_reviewed
from campaigns.letters.tasks import deliver_messages
from campaigns.models import ActionTarget, LetterSettings, Message, Role, utcnow
from campaigns.submissions.signing import Signer
from tests.factories import make_campaign, make_letter, make_organization, make_user
from tests.letters.conftest import sent_message_ids

CEO = ("Pat Boss", "CEO", "ceo@acme.example")


def ana(**overrides) -> Signer:
    values = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org"}
    values.update(overrides)
    return Signer(**values)


def configure(action, **settings):
    row = db.session.get(LetterSettings, action.id)
    for key, value in settings.items():
        setattr(row, key, value)
    db.session.commit()


def statuses() -> Counter:
    return Counter(m.status.value for m in db.session.scalars(select(Message)))


def test_screened_word_in_an_edited_letter_waits_for_review(app):
    """An edit with a word the organizer screens is held, counted, and says why."""
    with app.app_context():
        action = make_letter(targets=[CEO])
        configure(action, screen_words="scab\nidiot")
        send_letter(action, ana(), Letter("Hello", "You IDIOT, bargain."))
        send_letter(action, ana(email="luis@example.org"), Letter("Hello", "Please bargain."))
        held = db.session.scalars(select(Message).where(Message.status == "review")).one()
        assert "idiot" in held.hold_reason
        assert statuses() == {"review": 1, "queued": 1}


def test_screening_matches_whole_words_only(app):
    """A screened word inside another word does not hold a letter."""
    with app.app_context():
        action = make_letter(targets=[CEO])
        configure(action, screen_words="ass")
        send_letter(action, ana(), Letter("Hello", "Our association asks you to bargain."))
        assert statuses() == {"queued": 1}


def test_one_person_writing_the_same_target_too_often_is_held(app):
    """Across actions, a second letter from one person to one target in a day is held."""
    with app.app_context():
        campaign = make_campaign()
        first = make_letter(campaign, targets=[CEO])
        second = make_letter(campaign, targets=[])
        ceo = db.session.scalars(select(ActionTarget)).one()
        db.session.add(ActionTarget(action_id=second.id, target_id=ceo.target_id))
        db.session.commit()
        send_letter(first, ana())
        send_letter(second, ana(email="Ana@Example.org"))
        held = db.session.scalars(select(Message).where(Message.status == "review")).one()
        assert "already wrote to Pat Boss" in held.hold_reason


@pytest.mark.both_databases
def test_release_and_reject(sendgrid_app, sendgrid, run_jobs):
    """Released letters go out; rejected ones stay on record and are never sent."""
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        configure(action, screen_words="scab")
        for n in range(3):
            send_letter(action, ana(email=f"p{n}@example.org"), Letter("Hi", "No scab labor!"))
        ids = sorted(db.session.scalars(select(Message.id)))
        assert release_reviewed(action.id, ids[:1]) == 1
        assert reject_reviewed(action.id, ids[1:2]) == 1
    run_jobs()
    with sendgrid_app.app_context():
        assert statuses() == {"sent": 1, "rejected": 1, "review": 1}
    assert sent_message_ids(sendgrid) == [ids[0]]


def test_released_letter_still_waits_for_confirmation(app):
    """Releasing a held letter does not skip the supporter's email confirmation."""
    with app.app_context():
        action = make_letter(targets=[CEO], requires_confirmation=True)
        configure(action, screen_words="scab")
        send_letter(action, ana(), Letter("Hi", "scab"))
        release_reviewed(action.id)
        assert statuses() == {"held": 1}


@pytest.mark.both_databases
def test_hourly_cap_per_target_postpones_the_rest(sendgrid_app, sendgrid):
    """With a cap of 2 an hour, 5 letters to one target: 2 go now, 3 wait for next hour."""
    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        configure(action, hourly_cap_per_target=2)
        for n in range(5):
            send_letter(action, ana(email=f"p{n}@example.org"))
        ids = list(db.session.scalars(select(Message.id)))
        tally = deliver_messages(ids)
        assert tally == {"sent": 2, "postponed": 3}
        waiting = db.session.scalars(select(Message).where(Message.status == "queued")).all()
        assert len(waiting) == 3
        next_hour = utcnow().replace(minute=0, second=0, microsecond=0).timestamp() + 3600
        assert all(m.due_at.timestamp() == next_hour for m in waiting)
        assert deliver_messages(ids) == {}  # the rest are not due before the next hour
    assert len(sent_message_ids(sendgrid)) == 2


def test_delivery_page_shows_held_letters_with_their_reason(app, client, csrf, login):
    """Organizers see held letters and why, and can release them from the page."""
    with app.app_context():
        org = make_organization(slug="local-42")
        make_user(org, Role.organizer, email="org@example.org")
        action = make_letter(make_campaign(org), targets=[CEO])
        configure(action, screen_words="scab")
        send_letter(action, ana(), Letter("Hi", "scab"))
        action_id = action.id
    login("org@example.org")
    url = f"/organize/local-42/actions/{action_id}/delivery"
    html = client.get(url).get_data(as_text=True)
    assert "Held for review" in html and "screened word" in html
    assert '<td data-status="review">1</td>' in html
    client.post(f"{url}/review", data={"decision": "release", "csrf_token": csrf(url)})
    with app.app_context():
        assert statuses() == {"queued": 1}


@pytest.mark.both_databases
def test_over_cap_letters_go_in_one_daily_digest(sendgrid_app, sendgrid):
    """With the digest chosen, letters over the cap are bundled, then sent to the target as
    one email with each writer's name, city and words, and all counted as sent."""
    from campaigns.letters.tasks import send_digests

    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO], body="Pay us on time. {supporter_first_name}")
        configure(action, hourly_cap_per_target=1, over_cap="digest")
        for n, city in enumerate(["Fresno", "Modesto", "Merced"]):
            send_letter(action, ana(first_name=f"Writer{n}", email=f"w{n}@example.org", city=city))
        ids = list(db.session.scalars(select(Message.id)))
        assert deliver_messages(ids) == {"sent": 1, "postponed": 2}
        assert statuses() == {"sent": 1, "bundled": 2}

        assert send_digests() == {"sent": 2}
        assert send_digests() == {}  # nothing bundled is left: never sent twice
        assert statuses() == {"sent": 3}
        bundled = db.session.scalars(select(Message).where(Message.sent_at.is_not(None))).all()
        assert len({m.provider_message_id for m in bundled}) == 2  # the letter and the digest
    digest = [
        r for r in sendgrid.mail_sends() if "digest_target_id" in r.body.get("custom_args", {})
    ]
    [request] = digest
    body = request.body
    assert body["subject"].startswith("2 constituents wrote to you today")
    assert body["personalizations"][0]["to"][0]["email"] == "ceo@acme.example"
    text = body["content"][0]["value"]
    assert "Writer1 Ruiz, Modesto" in text and "Writer2 Ruiz, Merced" in text
    assert "Pay us on time. Writer2" in text


def test_a_failed_digest_keeps_its_letters_bundled(sendgrid_app, sendgrid):
    """A digest the provider refuses leaves its letters bundled, with the reason, for the
    next run."""
    from campaigns.letters.tasks import send_digests
    from tests.support.sendgrid_server import Reply

    with sendgrid_app.app_context():
        action = make_letter(targets=[CEO])
        configure(action, hourly_cap_per_target=1, over_cap="digest")
        for n in range(2):
            send_letter(action, ana(email=f"w{n}@example.org"))
        deliver_messages(list(db.session.scalars(select(Message.id))))
        sendgrid.replies.append(Reply(503, body={"errors": []}))
        assert send_digests() == {"failed": 1}
        held = db.session.scalars(select(Message).where(Message.status == "bundled")).one()
        assert "503" in held.last_error
        assert send_digests() == {"sent": 1}
        assert statuses() == {"sent": 2}
