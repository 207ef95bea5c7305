"""Rate limits per address and per email domain: over a limit, a signature is stored as
fraudulent and not counted; the windows are fixed and tested at their edges."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from campaigns import create_app
from campaigns.extensions import db, queues
from campaigns.models import OutboxEmail, Submission
from campaigns.submissions import confirmation
from campaigns.submissions.confirmation_mail import PENDING_KEY
from campaigns.submissions.tasks import send_confirmations
from campaigns.tracking import counts
from tests.conftest import base_config
from tests.factories import make_petition
from tests.integrity.conftest import set_limits, sign_at


@pytest.mark.both_databases
def test_burst_window_edges(ctx):
    """One signature a minute per address: the second in the same minute is fraudulent, the
    first of the next minute is not."""
    petition = make_petition()
    first = sign_at(petition, 0)
    second = sign_at(petition, 59.999)
    third = sign_at(petition, 60)
    assert (first.fraudulent, second.fraudulent, third.fraudulent) == (False, True, False)
    assert second.fraud_reason == "rate_limit_ip"
    assert first.ip_hash == second.ip_hash and len(first.ip_hash) == 64
    assert "203.0.113.7" not in first.ip_hash


def test_sustained_window_edges(ctx):
    """Five per five minutes per address: the sixth attempt within the window is fraudulent
    even when the minute's burst allows it, and the next window starts afresh."""
    petition = make_petition()
    verdicts = [sign_at(petition, t).fraudulent for t in (0, 60, 120, 180, 240)]
    assert verdicts == [False] * 5
    assert sign_at(petition, 299).fraud_reason == "rate_limit_ip"
    assert sign_at(petition, 300).fraudulent is False


def test_sustained_counts_attempts_over_the_burst_too(ctx):
    """Attempts marked by the burst window still count toward the sustained one."""
    petition = make_petition()
    results = [sign_at(petition, t).fraudulent for t in (0, 1, 2, 3, 4, 60)]
    # five attempts in the first minute use the sustained allowance up
    assert results == [False, True, True, True, True, True]


def test_addresses_are_limited_apart(ctx):
    """Another address is another supporter."""
    petition = make_petition()
    assert not sign_at(petition, 0, ip="203.0.113.7").fraudulent
    assert not sign_at(petition, 1, ip="203.0.113.8").fraudulent


def test_ipv6_addresses_share_their_64(ctx):
    """One phone may use any address of its /64: the limit applies to the network."""
    petition = make_petition()
    assert not sign_at(petition, 0, ip="2001:db8:1:2::1").fraudulent
    assert sign_at(petition, 1, ip="2001:db8:1:2:ffff::9").fraudulent
    assert not sign_at(petition, 2, ip="2001:db8:1:3::1").fraudulent


def test_limits_are_per_action(ctx):
    """Signing two petitions in a minute from one address is fine."""
    one, two = make_petition(), make_petition()
    assert not sign_at(one, 0).fraudulent
    assert not sign_at(two, 1).fraudulent


def test_domain_limit_spares_webmail(ctx):
    """Over the per-domain limit a signature is fraudulent, except at the big webmail
    providers on the allow list."""
    petition = make_petition()
    set_limits(petition.campaign.organization_id, domain_limit=2)
    mine = [
        sign_at(petition, i, ip=f"198.51.100.{i}", email=f"p{i}@union-busters.example")
        for i in range(3)
    ]
    assert [s.fraudulent for s in mine] == [False, False, True]
    assert mine[2].fraud_reason == "rate_limit_domain"
    assert mine[2].email_domain == "union-busters.example"
    gmail = [
        sign_at(petition, 10 + i, ip=f"198.51.100.{10 + i}", email=f"p{i}@gmail.com")
        for i in range(5)
    ]
    assert not any(s.fraudulent for s in gmail)


def test_domain_window_edge(ctx):
    """The domain window is an hour: the count starts again at the next hour."""
    petition = make_petition()
    set_limits(petition.campaign.organization_id, domain_limit=1)
    assert not sign_at(petition, 0, ip="198.51.100.1", email="a@corp.example").fraudulent
    assert sign_at(petition, 3599, ip="198.51.100.2", email="b@corp.example").fraudulent
    assert not sign_at(petition, 3600, ip="198.51.100.3", email="c@corp.example").fraudulent


def test_zero_turns_a_limit_off(ctx):
    petition = make_petition()
    set_limits(petition.campaign.organization_id, burst_limit=0, sustained_limit=0)
    assert not any(sign_at(petition, i).fraudulent for i in range(8))


@pytest.mark.both_databases
def test_held_signatures_are_mailed_but_not_counted(ctx):
    """Over the limit: held. Not counted, but the person gets the confirmation email, which
    is what can release it."""
    petition = make_petition(requires_confirmation=True)
    queues.connection.delete(PENDING_KEY)
    good = sign_at(petition, 0)
    held = sign_at(petition, 1)
    assert held.fraudulent and held.held_reason == "rate_limit_ip" and not good.fraudulent
    assert counts.tally_all() == 1
    totals = counts.for_action(petition)
    assert (totals.signed, totals.confirmed) == (1, 0)
    assert queues.connection.llen(PENDING_KEY) == 2
    assert send_confirmations() == 2
    sent = db.session.scalars(select(OutboxEmail.to_address)).all()
    for submission in (good, held):
        email = db.session.get(Submission, submission.id).supporter.email
        assert any(address.endswith(f"<{email}>") for address in sent)
    db.session.expire_all()
    assert db.session.get(Submission, held.id).tallied == 0


def test_held_confirmations_are_capped_per_address(ctx, app):
    """Past HELD_CONFIRMATIONS_PER_HOUR from one address, held submissions get no email (the
    platform must not mail strangers in bulk) and wait for an organizer; nothing is counted
    until someone confirms, however many there are."""
    app.config["HELD_CONFIRMATIONS_PER_HOUR"] = 3
    petition = make_petition()
    queues.connection.delete(PENDING_KEY)
    flood = [sign_at(petition, 1 + i) for i in range(12)]
    assert sum(s.held_reason is not None for s in flood) >= 8
    send_confirmations()
    db.session.expire_all()
    held = [db.session.get(Submission, s.id) for s in flood if s.held_reason]
    mailed = [s for s in held if s.confirmation_sent_at is not None]
    waiting = [s for s in held if s.confirmation_error]
    assert len(mailed) == 3
    assert len(waiting) == len(held) - 3
    assert all("cap" in s.confirmation_error for s in waiting)
    counts.tally_all()
    assert counts.for_action(petition).signed == len(flood) - len(held)


def test_redis_down_accepts_the_signature(database_url, caplog):
    """With Redis unreachable, signing still works and nothing is marked; it is logged."""
    app = create_app(base_config(database_url, "redis://127.0.0.1:9/0"))
    with app.app_context():
        petition = make_petition()
        with caplog.at_level(logging.ERROR):
            subs = [sign_at(petition, i) for i in range(3)]
        assert not any(s.fraudulent for s in subs)
        assert "rate limits not checked" in caplog.text
        assert db.session.scalar(select(db.func.count()).select_from(Submission)) == 3
        db.session.remove()
        db.engine.dispose()


def test_windows_of_the_same_length_count_apart(ctx):
    """An owner may give both address windows the same length: each counts once."""
    petition = make_petition()
    set_limits(
        petition.campaign.organization_id,
        burst_limit=2,
        burst_seconds=60,
        sustained_limit=3,
        sustained_seconds=60,
    )
    assert [sign_at(petition, i).fraudulent for i in range(3)] == [False, False, True]


def test_subdomains_share_their_registrable_domains_limit(ctx):
    """Sixty signers at sixty names under one domain, from sixty addresses, are one sender;
    two companies under the public suffix co.uk are two."""
    petition = make_petition()
    set_limits(petition.campaign.organization_id, domain_limit=5)
    spread = [
        sign_at(petition, i, ip=f"198.51.{i // 250}.{i % 250 + 1}", email=f"p{i}@s{i}.evil.example")
        for i in range(60)
    ]
    assert [s.fraudulent for s in spread] == [False] * 5 + [True] * 55
    assert {s.email_domain for s in spread} == {"evil.example"}
    assert spread[-1].fraud_reason == "rate_limit_domain"
    apart = [
        sign_at(petition, 100 + i, ip=f"192.0.2.{i + 1}", email=f"x@mail.firm{i}.co.uk")
        for i in range(6)
    ]
    assert not any(s.fraudulent for s in apart)
    assert apart[0].email_domain == "firm0.co.uk"


@pytest.mark.parametrize("people", [2, 10, 100])
@pytest.mark.parametrize("address", ["203.0.113.90", "2001:db8:42:7::{n:x}"])
def test_everyone_at_one_address_is_mailed_and_each_confirmation_counts_once(
    ctx, app, people, address
):
    """A room full of people on one connection (IPv4, or one IPv6 /64 whatever address each
    phone takes in it), all within a minute: each gets a confirmation, each who confirms is
    counted once; past the cap of held confirmations, the rest wait for an organizer."""
    app.config["HELD_CONFIRMATIONS_PER_HOUR"] = 50
    petition = make_petition(requires_confirmation=True)
    queues.connection.delete(PENDING_KEY)
    signed = [sign_at(petition, n * 0.5, ip=address.format(n=n + 1)) for n in range(people)]
    assert sum(s.held_reason is not None for s in signed) == people - 1
    send_confirmations()
    db.session.expire_all()
    rows = [db.session.get(Submission, s.id) for s in signed]
    mailed = [s for s in rows if s.confirmation_sent_at is not None]
    assert len(mailed) == min(people, 1 + 50)
    for submission in mailed:
        assert confirmation.confirm(submission)
        assert not confirmation.confirm(submission)  # a second click counts nothing
    counts.tally_all()
    totals = counts.for_action(petition)
    assert totals.confirmed == totals.signed == len(mailed)


def test_an_organizers_word_on_a_held_signature_is_final(ctx, app):
    """Invalidated by an organizer, a held signature can no longer be released by its link;
    restored, it is counted and no longer held, and a confirmation the cap kept back can go."""
    app.config["HELD_CONFIRMATIONS_PER_HOUR"] = 0
    petition = make_petition()
    sign_at(petition, 0)
    invalidated, restored = sign_at(petition, 1), sign_at(petition, 2)
    send_confirmations()
    counts.uncount(Submission.id == invalidated.id)
    counts.recount(Submission.id == restored.id)
    db.session.commit()
    db.session.expire_all()
    invalidated = db.session.get(Submission, invalidated.id)
    restored = db.session.get(Submission, restored.id)
    assert (invalidated.held_reason, invalidated.fraud_reason) == (None, "invalidated")
    assert not confirmation.confirm(invalidated)
    assert restored.held_reason is None and not restored.fraudulent
    assert restored.confirmation_error is None


def test_a_flood_without_confirmations_moves_no_public_count(ctx, app):
    """1,000 submissions from one address within a minute, nobody confirming: one counts
    (the first, as for any person), the rest are held; at most the cap of them are mailed;
    the public count does not move."""
    petition = make_petition(requires_confirmation=False)
    queues.connection.delete(PENDING_KEY)
    flood = [sign_at(petition, i * 0.05) for i in range(1000)]
    assert sum(s.held_reason is not None for s in flood) == 999
    send_confirmations()
    counts.tally_all()
    assert counts.for_action(petition).signed == 1
    db.session.expire_all()
    mailed = db.session.scalars(
        select(Submission.id).where(Submission.confirmation_sent_at.is_not(None))
    ).all()
    # The first (not held) and HELD_CONFIRMATIONS_PER_HOUR of the held ones.
    assert len(mailed) == 1 + app.config["HELD_CONFIRMATIONS_PER_HOUR"]
