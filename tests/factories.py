"""Factory functions with overridable defaults. Call them inside an app context."""

from __future__ import annotations

import itertools

from campaigns.extensions import db
from campaigns.models import (
    Action,
    ActionKind,
    ActionTranslation,
    Campaign,
    CampaignStatus,
    Membership,
    Organization,
    Role,
    User,
    utcnow,
)

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_organization(**overrides) -> Organization:
    n = next(_seq)
    values = {"name": f"Local {n}", "slug": f"local-{n}"}
    values.update(overrides)
    org = Organization(**values)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(organization: Organization | None = None, role: Role = Role.owner, **overrides):
    n = next(_seq)
    user = User(email=overrides.pop("email", f"staff{n}@example.org"), name=f"Staff {n}")
    user.set_password(overrides.pop("password", PASSWORD))
    db.session.add(user)
    if organization is not None:
        db.session.add(Membership(user=user, organization=organization, role=role))
    db.session.commit()
    return user


def make_campaign(organization: Organization | None = None, **overrides) -> Campaign:
    n = next(_seq)
    organization = organization or make_organization()
    status = overrides.pop("status", CampaignStatus.live)
    values = {
        "organization_id": organization.id,
        "title": f"Campaign {n}",
        "slug": f"campaign-{n}",
        "description": "Fair pay now.",
        "goal": 100,
        "status": status,
        "published_at": utcnow() if status != CampaignStatus.draft else None,
    }
    values.update(overrides)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_petition(campaign: Campaign | None = None, **overrides) -> Action:
    n = next(_seq)
    campaign = campaign or make_campaign()
    title_es = overrides.pop("title_es", None)
    values = {
        "campaign_id": campaign.id,
        "kind": ActionKind.petition,
        "slug": f"petition-{n}",
        "goal": 100,
        "requires_confirmation": False,
    }
    values.update(overrides)
    petition = Action(**values)
    petition.translations.append(
        ActionTranslation(locale="en", title=f"Petition {n}", body="We ask for fair pay.")
    )
    if title_es:
        petition.translations.append(
            ActionTranslation(locale="es", title=title_es, body="Pedimos un salario justo.")
        )
    db.session.add(petition)
    db.session.commit()
    return petition


def signer_form(**overrides) -> dict:
    n = next(_seq)
    values = {
        "first_name": "Maria",
        "last_name": "Garcia",
        "email": f"maria{n}@example.org",
        "postcode": "94612",
        "city": "Oakland",
        "comment": "",
        "website": "",
    }
    values.update(overrides)
    return values


def make_letter(campaign: Campaign | None = None, targets=(), **overrides) -> Action:
    """A letter action with fixed `targets` (name, title, email) and an English template."""
    from campaigns.models import ActionTarget, LetterSettings, LetterTemplate, Target

    n = next(_seq)
    campaign = campaign or make_campaign()
    editable = overrides.pop("editable", True)
    fallback = overrides.pop("fallback", None)
    subject = overrides.pop("subject", "Bargain in good faith, {target_name}")
    body = overrides.pop(
        "body", "Dear {target_title} {target_name},\n\nPlease bargain.\n\n{supporter_name}"
    )
    values = {
        "campaign_id": campaign.id,
        "kind": ActionKind.letter,
        "slug": f"letter-{n}",
        "requires_confirmation": False,
    }
    values.update(overrides)
    action = Action(**values)
    action.translations.append(ActionTranslation(locale="en", title=f"Write to the boss {n}"))
    db.session.add(action)
    db.session.flush()
    db.session.add(LetterTemplate(action_id=action.id, locale="en", subject=subject, body=body))
    fallback_target = None
    if fallback:
        name, title, email = fallback
        fallback_target = Target(
            organization_id=campaign.organization_id, name=name, title=title, email=email
        )
        db.session.add(fallback_target)
        db.session.flush()
    db.session.add(
        LetterSettings(
            action_id=action.id,
            editable=editable,
            fallback_target_id=fallback_target.id if fallback_target else None,
        )
    )
    for name, title, email in targets:
        target = Target(
            organization_id=campaign.organization_id, name=name, title=title, email=email
        )
        db.session.add(target)
        db.session.flush()
        db.session.add(ActionTarget(action_id=action.id, target_id=target.id))
    db.session.commit()
    return action


def make_council_letter(write_to_all: bool = False) -> Action:
    """A letter to a city council found by ZIP: 94612 spans wards 1 and 2; 94610 is ward 2."""
    from campaigns.models import Directory, LetterSettings, PostcodeDistrict, Target

    action = make_letter(targets=[])
    org_id = action.campaign.organization_id
    council = Directory(organization_id=org_id, name="Oakland council")
    db.session.add(council)
    db.session.flush()
    for postcode, ward in [("94612", "OAK-1"), ("94612", "OAK-2"), ("94610", "OAK-2")]:
        db.session.add(PostcodeDistrict(directory_id=council.id, postcode=postcode, district=ward))
    for name, ward in [("Rosa Ward-One", "OAK-1"), ("Tom Ward-Two", "OAK-2")]:
        db.session.add(
            Target(
                organization_id=org_id,
                directory_id=council.id,
                district=ward,
                name=name,
                title="Council member",
                email=f"{ward.lower()}@oakland.example",
            )
        )
    settings = db.session.get(LetterSettings, action.id)
    settings.directory_id = council.id
    settings.write_to_all_districts = write_to_all
    db.session.commit()
    return action


def make_action(kind: ActionKind, campaign: Campaign | None = None, **overrides) -> Action:
    """A pledge, event or story action with an English text (and Spanish with `title_es`)."""
    n = next(_seq)
    campaign = campaign or make_campaign()
    title_es = overrides.pop("title_es", None)
    values = {
        "campaign_id": campaign.id,
        "kind": kind,
        "slug": f"{kind.value}-{n}",
        "goal": 100,
        "requires_confirmation": False,
    }
    values.update(overrides)
    action = Action(**values)
    action.translations.append(
        ActionTranslation(locale="en", title=f"{kind.value.title()} {n}", body="Stand with us.")
    )
    if title_es:
        action.translations.append(
            ActionTranslation(locale="es", title=title_es, body="Acompáñanos.")
        )
    db.session.add(action)
    db.session.commit()
    return action


def make_event(campaign: Campaign | None = None, shifts=((2, 5),), **overrides) -> Action:
    """An event with one shift per (capacity, days from now) pair, each 3 hours long."""
    from datetime import timedelta

    from campaigns.models import Shift

    action = make_action(ActionKind.event, campaign, **overrides)
    start = utcnow().replace(minute=0, second=0, microsecond=0)
    for index, (capacity, days) in enumerate(shifts):
        starts_at = start + timedelta(days=days, hours=index)
        db.session.add(
            Shift(
                action_id=action.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                capacity=capacity,
                place=f"Gate {index + 1}, Acme warehouse",
            )
        )
    db.session.commit()
    return action


_addresses = itertools.count(1)


def supporter_address() -> str:
    """A new client address (TEST-NET-2/3 style, 10.x here), so each simulated supporter
    signs from their own place and the per-address rate limit sees different people."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def from_new_address() -> dict:
    """Keyword arguments for a test client request from a supporter's own address."""
    return {"environ_overrides": {"REMOTE_ADDR": supporter_address()}}


def make_partner(campaign: Campaign, organization: Organization | None = None, **overrides):
    """`organization` (a new one by default) as a partner of `campaign`, sharing all opt-ins,
    having accepted (pass `accepted_at=None` for one that has not yet)."""
    from campaigns.models import CampaignPartner, SharingMode, utcnow

    organization = organization or make_organization()
    values = {
        "campaign_id": campaign.id,
        "organization_id": organization.id,
        "sharing": SharingMode.all,
        "cap": None,
        "source": organization.slug,
        "accepted_at": utcnow(),
    }
    values.update(overrides)
    partner = CampaignPartner(**values)
    db.session.add(partner)
    db.session.commit()
    return partner


def make_congress_letter(campaign: Campaign | None = None, **settings) -> Action:
    """A letter to a supporter's members of Congress, found by ZIP in a directory built from
    the slices in tests/data (VT: 05401 at large; CA: 94619 in CA-10, CA-12 and CA-14)."""
    from pathlib import Path

    from campaigns.directories.importing import import_legislators, import_zccd
    from campaigns.models import Directory, LetterSettings

    campaign = campaign or make_campaign()
    directory = Directory(organization_id=campaign.organization_id, name="US Congress")
    db.session.add(directory)
    db.session.commit()
    data = Path(__file__).parent / "data"
    import_legislators(directory, data / "legislators-slice.csv")
    import_zccd(directory, data / "zccd-slice.csv")
    action = make_letter(campaign, **settings)
    letter_settings = db.session.get(LetterSettings, action.id)
    letter_settings.directory_id = directory.id
    letter_settings.topics = "Labor and Employment"
    db.session.commit()
    return action
