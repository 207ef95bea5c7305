"""Letters surge guard: more letters from one address on one action in a clock hour than
the organization allows are held for review, with the reason, and released as usual."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.letters.compose import send_letter
from campaigns.letters.review import release_reviewed
from campaigns.models import Message, MessageStatus, Submission
from campaigns.submissions import confirmation
from tests.factories import make_letter
from tests.integrity.conftest import at, set_limits, signer

CEO = ("Pat Boss", "CEO", "ceo@acme.example")
HALL = "198.51.100.20"


def statuses(submission_id: int) -> list[str]:
    return [
        m.status.value
        for m in db.session.scalars(select(Message).where(Message.submission_id == submission_id))
    ]


@pytest.mark.both_databases
def test_many_letters_from_one_address_are_held_for_review(ctx):
    letter = make_letter(targets=[CEO])
    # Per-address limits off, so only the surge guard decides.
    set_limits(
        letter.campaign.organization_id,
        burst_limit=0,
        sustained_limit=0,
        letters_per_ip_per_hour=2,
    )
    ids = [send_letter(letter, signer(ip=HALL), now=at(60 * i)).submission_id for i in range(3)]
    assert [statuses(i) for i in ids] == [["queued"], ["queued"], ["review"]]
    held = db.session.scalars(select(Message).where(Message.submission_id == ids[2])).one()
    assert held.hold_reason == "many letters from one address (3 this hour)"
    # The signature itself is real and counts; only the letter waits.
    assert db.session.get(Submission, ids[2]).fraudulent is False
    # Another address, and the next clock hour, start afresh.
    other = send_letter(letter, signer(ip="198.51.100.21"), now=at(200)).submission_id
    later = send_letter(letter, signer(ip=HALL), now=at(3600)).submission_id
    assert statuses(other) == statuses(later) == ["queued"]
    assert release_reviewed(letter.id) == 1
    assert Counter(m.status for m in db.session.scalars(select(Message))) == Counter(
        {MessageStatus.queued: 5}
    )


def test_allowed_address_is_not_held(ctx):
    """A union hall on the allow list writes as many letters as it has members present."""
    from tests.integrity.test_lists import add

    letter = make_letter(targets=[CEO])
    org = letter.campaign.organization_id
    set_limits(org, letters_per_ip_per_hour=1)
    add(org, "ip", "allow", HALL)
    ids = [send_letter(letter, signer(ip=HALL), now=at(i)).submission_id for i in range(4)]
    assert all(statuses(i) == ["queued"] for i in ids)


def test_letter_over_the_rate_limit_waits_for_its_writer_to_confirm(ctx):
    """A held signing's letter never leaves on its own: it waits, as an unconfirmed one does,
    and the writer's confirmation sends it."""
    letter = make_letter(targets=[CEO])
    first = send_letter(letter, signer(ip=HALL), now=at(0)).submission_id
    second = send_letter(letter, signer(ip=HALL), now=at(1)).submission_id
    assert statuses(first) == ["queued"]
    assert statuses(second) == ["held"]
    assert confirmation.confirm(db.session.get(Submission, second))
    db.session.expire_all()
    assert statuses(second) == ["queued"]
