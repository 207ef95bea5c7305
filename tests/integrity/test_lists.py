"""Block and allow lists: networks, email domains, disposable-email domains."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.models import ListEntry, ListKind, ListName, Submission
from campaigns.submissions.signing import DisposableEmail, sign
from tests.factories import from_new_address, make_petition, signer_form
from tests.integrity.conftest import at, sign_at, signer


def add(org_id: int, kind: str, list_name: str, value: str) -> None:
    db.session.add(
        ListEntry(
            organization_id=org_id,
            kind=ListKind(kind),
            list_name=ListName(list_name),
            value=value,
        )
    )
    db.session.commit()
    integrity.forget(org_id)


@pytest.mark.both_databases
def test_block_beats_allow(ctx):
    """An address allowed alone but inside a blocked network is blocked."""
    petition = make_petition()
    org = petition.campaign.organization_id
    add(org, "ip", "block", "203.0.113.0/24")
    add(org, "ip", "allow", "203.0.113.7/32")
    sub = sign_at(petition, 0, ip="203.0.113.7")
    assert (sub.fraudulent, sub.fraud_reason) == (True, "blocked")


def test_allowed_address_skips_the_address_limit(ctx):
    """A union hall's shared address at a rally: many people, one address, all counted."""
    petition = make_petition()
    add(petition.campaign.organization_id, "ip", "allow", "198.51.100.0/28")
    subs = [sign_at(petition, i, ip="198.51.100.5") for i in range(10)]
    assert not any(s.fraudulent for s in subs)
    # Outside the allowed network the limit applies as usual.
    assert not sign_at(petition, 20, ip="198.51.100.99").fraudulent
    assert sign_at(petition, 21, ip="198.51.100.99").fraudulent


def test_cidr_blocks(ctx):
    """Networks block every address inside them, IPv4 and IPv6, and nothing outside."""
    petition = make_petition()
    org = petition.campaign.organization_id
    add(org, "ip", "block", "192.0.2.0/25")
    add(org, "ip", "block", "2001:db8::/32")
    assert sign_at(petition, 0, ip="192.0.2.127").fraud_reason == "blocked"
    assert not sign_at(petition, 1, ip="192.0.2.128").fraudulent
    assert sign_at(petition, 2, ip="2001:db8:ffff::1").fraud_reason == "blocked"
    assert not sign_at(petition, 3, ip="2001:db9::1").fraudulent


def test_blocked_domain_and_its_subdomains(ctx):
    petition = make_petition()
    add(petition.campaign.organization_id, "domain", "block", "spam.example")
    assert sign_at(petition, 0, ip="192.0.2.1", email="x@spam.example").fraudulent
    assert sign_at(petition, 1, ip="192.0.2.2", email="x@mx.spam.example").fraudulent
    assert not sign_at(petition, 2, ip="192.0.2.3", email="x@notspam.example").fraudulent


def test_lists_belong_to_one_organization(ctx):
    """Another organization's block list does not touch this one's signatures."""
    blocked, other = make_petition(), make_petition()
    add(blocked.campaign.organization_id, "ip", "block", "192.0.2.0/24")
    assert sign_at(blocked, 0, ip="192.0.2.1").fraudulent
    assert not sign_at(other, 0, ip="192.0.2.1").fraudulent


def test_disposable_domains_are_refused(ctx):
    """Signing with a disposable address raises and writes nothing; an organization can add
    domains to the list or take shipped ones off it."""
    petition = make_petition()
    org = petition.campaign.organization_id
    assert "mailinator.com" in integrity.shipped_disposable_domains()
    assert len(integrity.shipped_disposable_domains()) > 300
    for email in ("x@mailinator.com", "x@sub.yopmail.com", "X@GUERRILLAMAIL.COM"):
        with pytest.raises(DisposableEmail):
            sign(petition, signer(email=email), now=at(0))
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    add(org, "disposable", "allow", "mailinator.com")
    add(org, "disposable", "block", "throwaway.example")
    assert not sign_at(petition, 0, ip="192.0.2.1", email="x@mailinator.com").fraudulent
    with pytest.raises(DisposableEmail):
        sign(petition, signer(email="x@throwaway.example", ip="192.0.2.2"), now=at(1))


def test_disposable_address_gets_a_form_error(app, client, csrf):
    """The supporter is asked for another address, in their language; nothing is stored."""
    with app.app_context():
        slug = make_petition().slug
    data = {**signer_form(email="someone@yopmail.com"), "csrf_token": csrf(f"/a/{slug}")}
    resp = client.post(f"/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 422
    assert "disposable-email services" in resp.get_data(as_text=True)
    client.get("/lang/es")
    data["csrf_token"] = csrf(f"/a/{slug}")
    resp = client.post(f"/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 422
    assert "correo desechable" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
