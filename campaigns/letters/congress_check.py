"""What an organizer checks before a letter to Congress goes out: how each chamber stands
here, and the House's own validation of one sample document of the letter."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from campaigns.congress import client, documents, office_lists, pacing
from campaigns.congress.offices import HOUSE, SENATE, state_of
from campaigns.extensions import db
from campaigns.letters.compose import addressed, merge, settings_of, template_for
from campaigns.letters.congress_delivery import letter_for
from campaigns.models import Action, Message, PostcodeDistrict, Target
from campaigns.submissions.signing import Signer


@dataclass(frozen=True)
class ChamberStatus:
    chamber: str
    configured: bool
    paused: str | None
    offices: int
    fetched_at: datetime | None


def chamber_statuses() -> list[ChamberStatus]:
    return [
        ChamberStatus(
            chamber,
            client.configured(chamber),
            pacing.paused(chamber),
            len(office_lists.listed(chamber)),
            office_lists.fetched_at(chamber),
        )
        for chamber in (HOUSE, SENATE)
    ]


def reaches_congress(action: Action) -> bool:
    """Whether any target of the action (fixed or in its directory) has a CWC office."""
    query = select(Target.id).where(addressed(action), Target.office_code.is_not(None))
    return db.session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class Validation:
    office: str
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


class NothingToValidate(ValueError):
    """The letter has no House office to build a sample for."""


def validate_with_house(action: Action) -> Validation:
    """Build this letter as one House office would receive it, from a sample constituent
    in that office's district, and ask the House's /v2/validate what it thinks. Nothing is
    delivered. Raises the client's errors when the House cannot be asked."""
    office, target, postcode = _sample_house_office(action)
    settings = settings_of(action)
    template = template_for(action, "en")
    if template is None:
        raise NothingToValidate("the letter has no text yet")
    config = current_app.config
    agent_name = config["CWC_DELIVERY_AGENT"] or "campaigns"
    agent = documents.Agent(
        agent_name,
        config["CWC_DELIVERY_AGENT_EMAIL"],
        config["CWC_DELIVERY_AGENT_CONTACT_NAME"],
        config["CWC_DELIVERY_AGENT_EMAIL"],
        config["CWC_DELIVERY_AGENT_CONTACT_PHONE"],
    )
    constituent = documents.Constituent(
        prefix="Ms.",
        first_name="Sample",
        last_name="Constituent",
        address1="1 Main St",
        city="Sample City",
        state=state_of(office),
        zip=postcode,
        email=config["CWC_DELIVERY_AGENT_EMAIL"] or config["MAIL_FROM"],
    )
    person = Signer("Sample", "Constituent", constituent.email, postcode, "Sample City")
    sample = Message(
        id=0,
        action_id=action.id,
        subject=merge(template.subject, person, target)[:300],
        body=merge(template.body, person, target),
    )
    letter = letter_for(sample, settings, agent_name, office)
    # A fresh DeliveryId: a validation must never collide with a real letter's.
    letter = documents.Letter(**(vars(letter) | {"delivery_id": secrets.token_hex(16)}))
    organization = action.campaign.organization
    sender = documents.Sender(
        organization.name, organization.name, agent.contact_email, agent.contact_phone
    )
    try:
        client.validate(documents.build(letter, constituent, agent, sender))
    except documents.DocumentError as exc:
        return Validation(office, [str(exc)])
    except client.Rejected as exc:
        return Validation(office, exc.errors)
    return Validation(office, [])


def _sample_house_office(action: Action) -> tuple[str, Target, str]:
    offices = select(Target).where(addressed(action), Target.office_code.like("H%"))
    listed = office_lists.listed(HOUSE)
    if listed:  # an office the House takes letters for now, when its list is known
        offices = offices.where(Target.office_code.in_(listed))
    target = db.session.scalars(offices.order_by(Target.office_code).limit(1)).first()
    if target is None:
        raise NothingToValidate("the letter reaches no House office")
    postcode = None
    if target.directory_id is not None and target.district:
        postcode = db.session.scalar(
            select(PostcodeDistrict.postcode)
            .where(
                PostcodeDistrict.directory_id == target.directory_id,
                PostcodeDistrict.district == target.district,
            )
            .order_by(PostcodeDistrict.postcode)
            .limit(1)
        )
    return target.office_code, target, postcode or "20515"
