"""People as other systems see and change them through the API (docs/api.md).

A person is matched by canonical email within the organization, with the rules signing
uses: the newest name, postcode and city win, and subscribing never happens by omission nor
unsubscribes anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from campaigns.core.addresses import canonical_email
from campaigns.extensions import db
from campaigns.models import Supporter, utcnow
from campaigns.submissions.signing import Signer
from campaigns.submissions.statements import upsert_supporter

# Names reject markup characters, as on the sign form (docs/decisions.md).
MARKUP = set("<>{}[]\\")
LIMITS = {"first_name": 100, "last_name": 100, "postcode": 16, "city": 100, "email": 254}


class PersonInvalid(ValueError):
    pass


@dataclass
class PersonChanges:
    """What a client may set on a person; None leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    postcode: str | None = None
    city: str | None = None
    locale: str | None = None


def check(changes: PersonChanges) -> None:
    for name in ("first_name", "last_name", "postcode", "city"):
        value = getattr(changes, name)
        if value is None:
            continue
        if len(value) > LIMITS[name]:
            raise PersonInvalid(f"{name} is longer than {LIMITS[name]} characters")
        if MARKUP & set(value):
            raise PersonInvalid(f"{name} may not contain < > {{ }} [ ] or \\")
    if changes.locale is not None and changes.locale not in current_app.config["LANGUAGES"]:
        languages = ", ".join(current_app.config["LANGUAGES"])
        raise PersonInvalid(f"languages_spoken must be one of {languages}")


def check_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > LIMITS["email"] or " " in email:
        raise PersonInvalid("email_addresses[0].address is not an email address")
    return email


def find(organization_id: int, email: str) -> Supporter | None:
    return db.session.scalars(
        select(Supporter).where(
            Supporter.organization_id == organization_id,
            Supporter.email_key == canonical_email(email),
        )
    ).first()


def signup(
    organization_id: int, email: str, changes: PersonChanges, subscribe: bool
) -> tuple[Supporter, bool]:
    """The person with this email, created or updated; and whether they are new."""
    email = check_email(email)
    check(changes)
    existing = find(organization_id, email)
    signer = Signer(
        first_name=_or(changes.first_name, existing and existing.first_name),
        last_name=_or(changes.last_name, existing and existing.last_name),
        email=email,
        postcode=changes.postcode or "",
        city=changes.city or "",
        subscribe=subscribe,
        locale=_or(changes.locale, existing and existing.locale, "en"),
    )
    supporter_id = upsert_supporter(organization_id, signer, utcnow())
    db.session.commit()
    supporter = db.session.get(Supporter, supporter_id)
    db.session.refresh(supporter)
    return supporter, existing is None


def update(supporter: Supporter, changes: PersonChanges) -> Supporter:
    check(changes)
    for name in ("first_name", "last_name", "postcode", "city", "locale"):
        value = getattr(changes, name)
        if value is not None:
            setattr(supporter, name, value.strip())
    supporter.updated_at = utcnow()
    db.session.commit()
    return supporter


def _or(*values) -> str:
    for value in values:
        if value is not None and value is not False:
            return value
    return ""
