"""Talking to each chamber's CWC endpoints, over the standard library's HTTP client.

House: `POST /v2/validate` and `POST /v2/message` (200 is accepted), `GET /v2/offices`.
Senate: `POST /api/production-messages/` (or `/api/testing-messages/`; 201 is accepted, 409
"that DeliveryId was accepted already", which counts as sent), `GET /api/active_offices.json`.
Both take the key as the `apikey` query parameter.

What an answer means is raised as one of the errors below, so the delivery code decides by
class, as it does for mail: `Rejected` is permanent (the document is wrong; its `<Error>`
texts say why), `KeyRefused` means the chamber refused our key (no message of that chamber
can go until someone fixes it), `Unavailable` is worth retrying with back-off.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from flask import current_app
from lxml import etree

from campaigns.congress.offices import HOUSE, SENATE, chamber_of

# Error texts kept per message: what an organizer reads on the delivery page.
MAX_ERROR_TEXT = 900


class CwcError(Exception):
    """A document was not accepted."""


class NotConfigured(CwcError):
    """This chamber has no URL or key: its offices take no letters here."""


class Rejected(CwcError):
    """400: the chamber refused the document itself; sending it again cannot help."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors or ["the chamber refused the document without saying why"]
        super().__init__("; ".join(self.errors)[:MAX_ERROR_TEXT])


class KeyRefused(CwcError):
    """401 or 403: the chamber does not accept our key."""


class Unavailable(CwcError):
    """5xx, a timeout or a connection that failed: try again later."""


@dataclass(frozen=True)
class Accepted:
    chamber: str
    status: int
    # True when the chamber had accepted this DeliveryId before (a retry after a lost answer).
    already: bool = False


def configured(chamber: str) -> bool:
    config = current_app.config
    if chamber == HOUSE:
        return bool(config["CWC_HOUSE_URL"] and config["CWC_HOUSE_API_KEY"])
    return bool(config["CWC_SENATE_URL"] and config["CWC_SENATE_API_KEY"])


def _endpoint(chamber: str, path: str) -> str:
    config = current_app.config
    if not configured(chamber):
        raise NotConfigured(f"CWC for the {chamber} is not configured (docs/congress.md)")
    base = config["CWC_HOUSE_URL"] if chamber == HOUSE else config["CWC_SENATE_URL"]
    key = config["CWC_HOUSE_API_KEY"] if chamber == HOUSE else config["CWC_SENATE_API_KEY"]
    return f"{base}{path}?{urllib.parse.urlencode({'apikey': key})}"


def error_texts(body: bytes) -> list[str]:
    """The `<Error>` texts of a chamber's answer, wherever they sit; its text otherwise."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        text = body.decode("utf-8", "replace").strip()
        return [text[:MAX_ERROR_TEXT]] if text else []
    return [" ".join(e.itertext()).strip() for e in root.iter("Error") if "".join(e.itertext())]


def _request(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/xml; charset=utf-8")
    timeout = current_app.config["CWC_TIMEOUT"]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except TimeoutError as exc:
        raise Unavailable(f"no answer within {timeout} s") from exc
    except (urllib.error.URLError, ConnectionError) as exc:
        raise Unavailable(f"could not reach CWC: {getattr(exc, 'reason', exc)}") from exc


def _judge(chamber: str, status: int, body: bytes, accepted: tuple[int, ...]) -> Accepted:
    if status in accepted:
        return Accepted(chamber, status)
    if chamber == SENATE and status == 409:
        return Accepted(chamber, status, already=True)
    if status == 400:
        raise Rejected(error_texts(body))
    if status in (401, 403):
        raise KeyRefused(f"the {chamber} refused the API key ({status})")
    if status == 429 or status >= 500:
        raise Unavailable(f"the {chamber} answered {status}")
    raise Rejected([f"the {chamber} answered {status}: {' '.join(error_texts(body))}".strip()])


def deliver(office: str, document: bytes) -> Accepted:
    """Send one document to the chamber of `office`."""
    chamber = chamber_of(office)
    if chamber == HOUSE:
        url = _endpoint(HOUSE, "/v2/message")
        return _judge(HOUSE, *_request("POST", url, document), accepted=(200,))
    testing = current_app.config["CWC_SENATE_TESTING"]
    path = "/api/testing-messages/" if testing else "/api/production-messages/"
    return _judge(SENATE, *_request("POST", _endpoint(SENATE, path), document), accepted=(201,))


def validate(document: bytes) -> Accepted:
    """The House's check of a document, delivering nothing: the organizer's "Validate"."""
    url = _endpoint(HOUSE, "/v2/validate")
    return _judge(HOUSE, *_request("POST", url, document), accepted=(200,))


def active_offices(chamber: str) -> set[str]:
    """The office codes that take CWC messages now."""
    if chamber == HOUSE:
        status, body = _request("GET", _endpoint(HOUSE, "/v2/offices"))
    else:
        status, body = _request("GET", _endpoint(SENATE, "/api/active_offices.json"))
    _judge(chamber, status, body, accepted=(200,))
    return set(_office_codes(json.loads(body or b"[]")))


def _office_codes(data) -> list[str]:
    """Both lists as the chambers publish them: a list of codes, or of objects with an
    `office_code`, possibly under an `offices` key."""
    if isinstance(data, dict):
        data = data.get("offices", [])
    codes = []
    for item in data if isinstance(data, list) else []:
        code = item.get("office_code") if isinstance(item, dict) else item
        if isinstance(code, str):
            codes.append(code.strip().upper())
    return codes
