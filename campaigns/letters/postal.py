"""The postal address a letter to Congress carries, and its checks.

CWC requires a constituent's prefix, street address, city, state and ZIP (phone optional),
and an office reads a letter only from its own constituents: the address must be in the
state of every office the letter goes to. Asked only when a letter reaches a CWC office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from campaigns.congress.documents import PREFIXES
from campaigns.congress.offices import state_of

# The states, DC and the territories with a member of the House.
STATES = [
    "AL",
    "AK",
    "AS",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "GU",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "MP",
    "OH",
    "OK",
    "OR",
    "PA",
    "PR",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VI",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Address:
    prefix: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""


class AddressError(ValueError):
    """What to fix, by form field: {"address1": "Please enter your street address."}."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


def normal_zip(value: str) -> str | None:
    """`12345`, `12345-6789` or `123456789` in CWC's form; None if it is none of them."""
    match = _ZIP.match((value or "").strip())
    if match is None:
        return None
    return f"{match[1]}-{match[2]}" if match[2] else match[1]


def normal_phone(value: str) -> str | None:
    """A US number as xxx-xxx-xxxx (a leading 1 dropped); "" for none; None if malformed."""
    digits = _DIGITS.sub("", value or "")
    if not digits:
        return ""
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return None
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def checked(address: Address | None, offices: list[str]) -> Address:
    """The address in CWC's form, or AddressError naming each field to fix."""
    address = address or Address()
    problems: dict[str, str] = {}
    if address.prefix not in PREFIXES:
        problems["prefix"] = _l("Please choose how the office should address you.")
    if not address.address1.strip():
        problems["address1"] = _l("Please enter your street address: offices answer by mail.")
    if not address.city.strip():
        problems["city"] = _l("Please enter your city.")
    state = address.state.strip().upper()
    if state not in STATES:
        problems["state"] = _l("Please choose your state.")
    elif any(state_of(o) != state for o in offices):
        elsewhere = sorted({state_of(o) for o in offices} - {state})
        problems["state"] = _l(
            "Your address is in %(state)s, but your ZIP code is in %(other)s. Please check both.",
            state=state,
            other=", ".join(elsewhere),
        )
    zip_code = normal_zip(address.zip)
    if zip_code is None:
        problems["postcode"] = _l("Please enter a 5-digit ZIP code (ZIP+4 is fine too).")
    phone = normal_phone(address.phone)
    if phone is None:
        problems["phone"] = _l("Please enter a 10-digit phone number, or leave it empty.")
    if problems:
        raise AddressError(problems)
    return Address(
        prefix=address.prefix,
        address1=address.address1.strip()[:200],
        address2=address.address2.strip()[:200],
        city=address.city.strip()[:100],
        state=state,
        zip=zip_code or "",
        phone=phone or "",
    )
