"""Finding a supporter's targets by postcode in a directory (e.g. the US Congress by zip).

District keys are `REGION-N`, like `CA-12`; a target whose district is the bare region (`CA`)
sits for the whole region, as a senator does, so it is reached from every district in it.
The US importers in `campaigns.directories.importing` write keys in this scheme.

Postcodes are compared in one normal form, the one `normalize_postcode` gives, both when
imported and when a supporter types one. No country is known, so the shape decides:

1. Surrounding space is dropped, letters are upper-cased, runs of spaces become one space.
2. Malformed: empty, longer than 10 characters, any character other than letters, digits,
   spaces and hyphens, or no digit at all.
3. Text starting with five digits is a US ZIP code: `94612`, `94612-1234`, `94612 1234` and
   `946121234` all give `94612`; anything else starting with five digits (`94612-12`,
   `946123`, `94612A`) is malformed. Other five-digit systems (DE, FR, MX, …) fit this too.
4. Anything else is another country's postcode and is kept as it is after step 1
   (`sw1a  1aa` gives `SW1A 1AA`); it may still be unknown to the directory.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import PostcodeDistrict, Target

MAX_POSTCODE_LENGTH = 10
_ALLOWED = re.compile(r"[A-Z0-9 -]+")
_ZIP = re.compile(r"(\d{5})(?:[- ]?\d{4})?")
_FIVE_DIGITS = re.compile(r"\d{5}")


def normalize_postcode(text: str | None) -> str | None:
    """The postcode in normal form, or None when it is malformed (see the module docstring)."""
    if text is None:
        return None
    code = " ".join(text.upper().split())
    if not code or len(code) > MAX_POSTCODE_LENGTH:
        return None
    if not _ALLOWED.fullmatch(code) or not any(c.isdigit() for c in code):
        return None
    if _FIVE_DIGITS.match(code):
        match = _ZIP.fullmatch(code)
        return match.group(1) if match else None
    return code


def region_of(district: str) -> str | None:
    """The region a district key lies in (`CA` for `CA-12`), or None for a key without one."""
    region, dash, _ = district.partition("-")
    return region if dash and region else None


def district_sort_key(district: str) -> tuple:
    # Numerically, so that CA-2 comes before CA-12.
    region, _, number = district.partition("-")
    return (region, 0, int(number), "") if number.isdigit() else (region, 1, 0, number)


class LookupStatus(enum.StrEnum):
    malformed = "malformed"  # not a postcode at all: ask the supporter to check it
    unknown = "unknown"  # a postcode, but the directory has no district for it
    one = "one"
    several = "several"  # the supporter chooses, or the letter goes to all of them


@dataclass
class District:
    key: str
    # The district's own targets first, then the region-wide ones (a representative, then
    # the state's senators).
    targets: list[Target] = field(default_factory=list)


@dataclass
class Lookup:
    postcode: str | None  # normal form; None when malformed
    districts: list[District] = field(default_factory=list)

    @property
    def status(self) -> LookupStatus:
        if self.postcode is None:
            return LookupStatus.malformed
        if not self.districts:
            return LookupStatus.unknown
        return LookupStatus.one if len(self.districts) == 1 else LookupStatus.several

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.districts]


def lookup(directory_id: int, postcode: str | None) -> Lookup:
    """The districts `postcode` lies in within the directory, each with its targets."""
    code = normalize_postcode(postcode)
    if code is None:
        return Lookup(None)
    keys = sorted(
        set(
            db.session.scalars(
                select(PostcodeDistrict.district).where(
                    PostcodeDistrict.directory_id == directory_id,
                    PostcodeDistrict.postcode == code,
                )
            )
        ),
        key=district_sort_key,
    )
    if not keys:
        return Lookup(code)
    regions = {r for r in map(region_of, keys) if r}
    by_district: dict[str, list[Target]] = {}
    for target in db.session.scalars(
        select(Target)
        .where(Target.directory_id == directory_id, Target.district.in_(set(keys) | regions))
        .order_by(Target.name, Target.id)
    ):
        by_district.setdefault(target.district, []).append(target)
    districts = []
    for key in keys:
        region = region_of(key)
        own = by_district.get(key, [])
        wide = by_district.get(region, []) if region else []
        districts.append(District(key, own + wide))
    return Lookup(code, districts)
