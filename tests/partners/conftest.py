"""A campaign run by a host with two partners: one sharing all opt-ins, one proportional to
what its own source brings; helpers to sign through the public form and to confirm."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import OptIn, Role, SharingMode, Submission, Supporter
from campaigns.submissions.confirmation import confirmation_token
from tests.conftest import csrf_from
from tests.factories import (
    from_new_address,
    make_campaign,
    make_organization,
    make_partner,
    make_petition,
    make_user,
    signer_form,
)


@dataclass
class Coalition:
    host_id: int
    campaign_id: int
    slug: str
    food_id: int  # shares all opt-ins
    riders_id: int  # proportional, source "riders"


@pytest.fixture
def coalition(app) -> Coalition:
    with app.app_context():
        host = make_organization(name="Warehouse Workers Local 7", slug="local-7")
        food = make_organization(name="Fair Food Coalition", slug="fair-food")
        riders = make_organization(name="Riders Union", slug="riders-union")
        make_user(host, Role.owner, email="host@example.org")
        make_user(food, Role.owner, email="food@example.org")
        make_user(riders, Role.owner, email="riders@example.org")
        campaign = make_campaign(host, title="Heat safety at Acme")
        petition = make_petition(campaign, slug="heat-safety")
        make_partner(campaign, food)
        make_partner(campaign, riders, sharing=SharingMode.proportional, source="riders")
        return Coalition(host.id, campaign.id, petition.slug, food.id, riders.id)


def sign_form(client, slug: str, source: str = "", partners=(), **fields):
    """Sign through the action's page as a browser would: read it, tick, post."""
    url = f"/a/{slug}" + (f"?source={source}" if source else "")
    page = client.get(url).get_data(as_text=True)
    data = signer_form(**fields)
    data.update(csrf_token=csrf_from(page), source=source, partners=[str(p) for p in partners])
    return client.post(f"/a/{slug}", data=data, **from_new_address())


def submission_of(email: str) -> Submission:
    return db.session.scalars(
        select(Submission).join(Supporter).where(Supporter.email == email)
    ).one()


def confirm(client, app, email: str):
    """Press the button in the confirmation email's page."""
    with app.app_context():
        submission = submission_of(email)
        slug, token = submission.action.slug, confirmation_token(submission)
    page = client.get(f"/a/{slug}/confirm/{token}").get_data(as_text=True)
    resp = client.post(f"/a/{slug}/confirm/{token}", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 200
    return resp


def opt_ins() -> list[OptIn]:
    return list(db.session.scalars(select(OptIn).order_by(OptIn.id)))


def partner_supporters(organization_id: int) -> list[Supporter]:
    return list(
        db.session.scalars(select(Supporter).where(Supporter.organization_id == organization_id))
    )
