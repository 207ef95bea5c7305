"""Demo data for a fresh install: an organization, its owner, a live petition, a letter to
an employer, and a letter to Congress that finds each supporter's members by ZIP code."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from campaigns.accounts.staff import create_owner
from campaigns.actions import authoring as campaign_service
from campaigns.directories import importing as directory_import
from campaigns.directories.admin import create_directory
from campaigns.extensions import db
from campaigns.letters import admin as letter_admin
from campaigns.models import Campaign, Organization

# The US Congress directory the demo imports (public domain; see data/us/README.md).
US_DATA = Path(__file__).with_name("data") / "us"

DEMO_EMAIL = "demo-owner@example.org"
DEMO_ORGANIZATION = "Demo Workers United"


@dataclass
class DemoLogin:
    email: str
    password: str


def seed(instance_path: str) -> DemoLogin | None:
    """Seed a database with no organizations; return the demo login (None if not seeded).

    The generated password is kept (owner-only) in the instance folder so it can be shown
    again on the next start; change it, or delete the file, before real use.
    """
    password_file = Path(instance_path) / "demo_owner_password"
    if db.session.scalars(select(Organization.id)).first() is not None:
        if password_file.exists():
            return DemoLogin(DEMO_EMAIL, password_file.read_text().strip())
        return None
    password = secrets.token_urlsafe(12)
    user = create_owner(DEMO_EMAIL, password, DEMO_ORGANIZATION, name="Demo Owner")
    org = user.memberships[0].organization
    campaign = campaign_service.create_campaign(
        org,
        title="Fair schedules at Acme Warehouses",
        description=(
            "Acme warehouse workers get their shifts two days ahead. We ask for two weeks' "
            "notice and pay when shifts are cancelled late."
        ),
        goal=1000,
        slug="fair-schedules-acme",
    )
    campaign_service.save_petition(
        campaign,
        [
            campaign_service.PetitionContent(
                "en",
                "Tell Acme: two weeks' notice for every schedule",
                "We, Acme's workers and the community that shops there, ask Acme Warehouses "
                "to post schedules two weeks ahead and to pay workers whose shifts are "
                "cancelled with less than 24 hours' notice.",
            ),
            campaign_service.PetitionContent(
                "es",
                "Dile a Acme: dos semanas de aviso para cada horario",
                "Nosotros, trabajadores de Acme y la comunidad que compra allí, pedimos a Acme "
                "Warehouses que publique los horarios con dos semanas de anticipación y que "
                "pague a quienes les cancelan un turno con menos de 24 horas de aviso.",
            ),
        ],
        goal=1000,
        # Counts at once; confirmation is still asked for and tracked.
        requires_confirmation=False,
        slug="acme-fair-schedules",
    )
    letter_admin.save_letter(
        campaign,
        [
            letter_admin.LetterContent(
                "en",
                "Email Acme's CEO: two weeks' notice",
                "Tell the person who can fix it. Your letter goes out in your name once you "
                "confirm your email.",
                "Two weeks' notice for Acme's schedules",
                "Dear {target_name},\n\nI am writing about the schedules at Acme Warehouses. "
                "Workers get their shifts two days ahead; please post them two weeks ahead and "
                "pay for shifts cancelled late.\n\n{supporter_name}\n{supporter_city}",
            ),
            letter_admin.LetterContent(
                "es",
                "Escribe al director de Acme: dos semanas de aviso",
                "Dile a quien puede resolverlo. Tu carta sale con tu nombre cuando confirmes tu "
                "correo.",
                "Dos semanas de aviso para los horarios de Acme",
                "Estimado/a {target_name}:\n\nLe escribo sobre los horarios en Acme Warehouses. "
                "Los trabajadores reciben sus turnos con dos días de aviso; por favor publíquelos "
                "con dos semanas y pague los turnos cancelados tarde.\n\n{supporter_name}\n"
                "{supporter_city}",
            ),
        ],
        # An .example address: nothing leaves the outbox, and nothing could anyway.
        [letter_admin.FixedTarget("Pat Example", "CEO, Acme Warehouses", "ceo@acme.example")],
        fallback=None,
        editable=True,
        requires_confirmation=True,
        goal=250,
        slug="email-acme-ceo",
    )
    tell_congress(campaign)
    campaign_service.publish(campaign)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return DemoLogin(DEMO_EMAIL, password)


def tell_congress(campaign: Campaign) -> None:
    """A letter to each supporter's representative and senators, found by ZIP code in a US
    Congress directory imported from the files the package ships."""
    directory = create_directory(campaign.organization, "US Congress")
    directory_import.import_legislators(directory, US_DATA / "legislators-current.csv")
    directory_import.import_zccd(directory, US_DATA / "zccd.csv")
    letter_admin.save_letter(
        campaign,
        [
            letter_admin.LetterContent(
                "en",
                "Tell Congress: protect workers' right to organize",
                "Enter your ZIP code to write to your representative and both senators. "
                "Letters reach their offices through Congress's own constituent mail system.",
                "Protect the right to organize",
                "Dear {target_title} {target_name},\n\nAs your constituent, I ask you to "
                "protect workers' right to organize: fund the National Labor Relations Board "
                "and make employers who break the law pay for it.\n\n{supporter_name}",
            ),
            letter_admin.LetterContent(
                "es",
                "Dile al Congreso: protejan el derecho a organizarse",
                "Escribe tu código postal para escribirle a tu representante y a tus dos "
                "senadores. Las cartas llegan a sus oficinas por el sistema de correo del "
                "Congreso.",
                "Protejan el derecho a organizarse",
                "Estimado/a {target_name}:\n\nComo su constituyente, le pido "
                "que proteja el derecho de los trabajadores a organizarse: que financie la "
                "Junta Nacional de Relaciones Laborales y que los empleadores que violan la "
                "ley paguen por ello.\n\n{supporter_name}",
            ),
        ],
        [],
        fallback=None,
        editable=True,
        directory_id=directory.id,
        congress=letter_admin.CongressOptions(
            topics=["Labor and Employment"],
            call_script=(
                "Hi, I'm a constituent from [your ZIP code]. I'm calling to ask the "
                "member to protect workers' right to organize and to fund the National Labor "
                "Relations Board. Thank you."
            ),
        ),
        requires_confirmation=True,
        goal=500,
        slug="tell-congress",
    )
