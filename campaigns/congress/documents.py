"""The CWC 2.0 document: one letter from one constituent to one congressional office.

Built as an element tree by lxml and serialized by it, so every value is escaped as XML and
nothing a supporter types can open or close an element. The order of the elements is the
order CWC's schema requires.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

CWC_VERSION = "2.0"

# The Library of Congress's 32 policy areas: every message names one or more of them.
LOC_TOPICS = (
    "Agriculture and Food",
    "Animals",
    "Armed Forces and National Security",
    "Arts, Culture, Religion",
    "Civil Rights and Liberties, Minority Issues",
    "Commerce",
    "Congress",
    "Crime and Law Enforcement",
    "Economics and Public Finance",
    "Education",
    "Emergency Management",
    "Energy",
    "Environmental Protection",
    "Families",
    "Finance and Financial Sector",
    "Foreign Trade and International Finance",
    "Government Operations and Politics",
    "Health",
    "Housing and Community Development",
    "Immigration",
    "International Affairs",
    "Labor and Employment",
    "Law",
    "Native Americans",
    "Public Lands and Natural Resources",
    "Science, Technology, Communications",
    "Social Sciences and History",
    "Social Welfare",
    "Sports and Recreation",
    "Taxation",
    "Transportation and Public Works",
    "Water Resources Development",
)
PREFIXES = ("Mr.", "Mrs.", "Miss", "Ms.", "Dr.")
BILL_TYPES = ("hr", "s", "hjres", "sjres", "hconres", "sconres", "hres", "sres")
ZIP = re.compile(r"^\d{5}(-\d{4})?$")
PHONE = re.compile(r"^\d{3}-\d{3}-\d{4}$")
# XML 1.0 cannot carry most control characters at all, escaped or not.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class DocumentError(ValueError):
    """The letter lacks something CWC requires; nothing was sent."""


@dataclass(frozen=True)
class Agent:
    """The vendor sending on the organization's behalf (CWC_DELIVERY_AGENT_*)."""

    name: str
    ack_email: str
    contact_name: str
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class Sender:
    """The organization whose campaign this is."""

    name: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    about: str = ""


@dataclass(frozen=True)
class Constituent:
    prefix: str
    first_name: str
    last_name: str
    address1: str
    city: str
    state: str
    zip: str
    email: str
    phone: str = ""
    address2: str = ""


@dataclass(frozen=True)
class Bill:
    congress: int
    type: str
    number: int


@dataclass(frozen=True)
class Letter:
    """What one office receives: subject, topics, the words, and what the letter is about."""

    delivery_id: str
    campaign_id: str
    office: str
    subject: str
    topics: tuple[str, ...]
    constituent_message: str
    organization_statement: str = ""
    bills: tuple[Bill, ...] = ()
    pro_or_con: str = ""  # "pro", "con" or empty
    more_info: str = ""
    response_requested: bool = True
    newsletter_opt_in: bool = False
    delivered_on: date = field(default_factory=date.today)


def delivery_id(agent: str, message_id: int) -> str:
    """32 alphanumerics, the same on every try of one message: a chamber that accepted it
    once recognizes a retry and does not deliver it again."""
    return hashlib.sha256(f"campaigns-cwc:{agent}:{message_id}".encode()).hexdigest()[:32]


def campaign_id(agent: str, action_id: int) -> str:
    """Stable per letter action, so an office can group the letters of one campaign."""
    return hashlib.sha256(f"campaigns-cwc-campaign:{agent}:{action_id}".encode()).hexdigest()[:32]


def check(letter: Letter, constituent: Constituent) -> None:
    """Raise DocumentError naming what is missing or malformed."""
    problems = []
    if constituent.prefix not in PREFIXES:
        problems.append(f"prefix must be one of {', '.join(PREFIXES)}")
    for name in ("first_name", "last_name", "address1", "city", "email"):
        if not getattr(constituent, name).strip():
            problems.append(f"{name.replace('_', ' ')} is required")
    if not re.fullmatch(r"[A-Z]{2}", constituent.state):
        problems.append("state must be a two-letter abbreviation")
    if not ZIP.match(constituent.zip):
        problems.append("ZIP must be 5 digits or ZIP+4")
    if constituent.phone and not PHONE.match(constituent.phone):
        problems.append("phone must be written xxx-xxx-xxxx")
    if not letter.topics or any(t not in LOC_TOPICS for t in letter.topics):
        problems.append("topics must come from the Library of Congress list")
    if not (letter.constituent_message.strip() or letter.organization_statement.strip()):
        problems.append("the letter has no words")
    if letter.pro_or_con not in ("", "pro", "con"):
        problems.append("stance must be pro or con")
    if not re.fullmatch(r"[A-Za-z0-9]{32}", letter.delivery_id):
        problems.append("delivery id must be 32 letters and digits")
    for bill in letter.bills:
        if bill.type not in BILL_TYPES:
            problems.append(f"unknown bill type {bill.type!r}")
    if problems:
        raise DocumentError("; ".join(problems))


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent, tag: str, value: str | None = None):
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.text = _text(value)
    return element


def build(letter: Letter, constituent: Constituent, agent: Agent, sender: Sender) -> bytes:
    """The document as UTF-8 bytes with its XML declaration."""
    check(letter, constituent)
    root = etree.Element("CWC")
    _add(root, "CWCVersion", CWC_VERSION)

    delivery = _add(root, "Delivery")
    _add(delivery, "DeliveryId", letter.delivery_id)
    _add(delivery, "DeliveryDate", letter.delivered_on.strftime("%Y%m%d"))
    _add(delivery, "DeliveryAgent", agent.name)
    _add(delivery, "DeliveryAgentAckEmailAddress", agent.ack_email)
    contact = _add(delivery, "DeliveryAgentContact")
    _add(contact, "DeliveryAgentContactName", agent.contact_name)
    _add(contact, "DeliveryAgentContactEmail", agent.contact_email)
    _add(contact, "DeliveryAgentContactPhone", agent.contact_phone)
    _add(delivery, "Organization", sender.name)
    contact = _add(delivery, "OrganizationContact")
    _add(contact, "OrganizationContactName", sender.contact_name)
    _add(contact, "OrganizationContactEmail", sender.contact_email)
    _add(contact, "OrganizationContactPhone", sender.contact_phone)
    if sender.about:
        _add(delivery, "OrganizationAbout", sender.about)
    _add(delivery, "CampaignId", letter.campaign_id)

    recipient = _add(root, "Recipient")
    _add(recipient, "MemberOffice", letter.office)
    _add(recipient, "IsResponseRequested", "Y" if letter.response_requested else "N")
    _add(recipient, "NewsletterOptIn", "Y" if letter.newsletter_opt_in else "N")

    person = _add(root, "Constituent")
    _add(person, "Prefix", constituent.prefix)
    _add(person, "FirstName", constituent.first_name)
    _add(person, "LastName", constituent.last_name)
    _add(person, "Address1", constituent.address1)
    if constituent.address2:
        _add(person, "Address2", constituent.address2)
    _add(person, "City", constituent.city)
    _add(person, "StateAbbreviation", constituent.state)
    _add(person, "Zip", constituent.zip)
    if constituent.phone:
        _add(person, "Phone", constituent.phone)
    _add(person, "Email", constituent.email)

    message = _add(root, "Message")
    _add(message, "Subject", letter.subject)
    topics = _add(message, "LibraryOfCongressTopics")
    for topic in letter.topics:
        _add(topics, "LibraryOfCongressTopic", topic)
    if letter.bills:
        bills = _add(message, "Bills")
        for item in letter.bills:
            bill = _add(bills, "Bill")
            _add(bill, "BillCongress", str(item.congress))
            _add(bill, "BillTypeAbbreviation", item.type)
            _add(bill, "BillNumber", str(item.number))
    if letter.pro_or_con:
        _add(message, "ProOrCon", letter.pro_or_con)
    if letter.organization_statement:
        _add(message, "OrganizationStatement", letter.organization_statement)
    if letter.constituent_message:
        _add(message, "ConstituentMessage", letter.constituent_message)
    if letter.more_info:
        _add(message, "MoreInfo", letter.more_info)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
