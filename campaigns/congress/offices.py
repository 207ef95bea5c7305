"""CWC's office codes, from what a directory knows of a member of Congress.

A House office is `H` + state + two-digit district (`HCA12`; an at-large seat is `00`); a
Senate office is `S` + state + `0` + the senate class (`SCA03`). Directories key a House
district `ST-N` (at-large `ST-0`) and a senator by the bare state (directories.importing).
"""

from __future__ import annotations

import re

HOUSE = "house"
SENATE = "senate"
_HOUSE_DISTRICT = re.compile(r"^([A-Z]{2})-(\d{1,2})$")
_STATE = re.compile(r"^[A-Z]{2}$")
OFFICE = re.compile(r"^(H[A-Z]{2}\d{2}|S[A-Z]{2}0[123])$")


def house_office(district: str) -> str | None:
    """`CA-12` -> `HCA12`, `WY-0` -> `HWY00`; None for anything else."""
    match = _HOUSE_DISTRICT.match(district or "")
    if match is None:
        return None
    return f"H{match[1]}{int(match[2]):02d}"


def senate_office(state: str, senate_class: int | str) -> str | None:
    """`CA`, class 3 -> `SCA03`; None without a state or a class of 1 to 3."""
    if not _STATE.match(state or "") or str(senate_class) not in ("1", "2", "3"):
        return None
    return f"S{state}0{senate_class}"


def chamber_of(office: str) -> str:
    if not OFFICE.match(office or ""):
        raise ValueError(f"not a CWC office code: {office!r}")
    return HOUSE if office[0] == "H" else SENATE


def state_of(office: str) -> str:
    chamber_of(office)
    return office[1:3]
