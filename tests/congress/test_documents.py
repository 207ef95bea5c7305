"""The CWC document: valid against the schema the local chambers use, escaped, checked."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from campaigns.congress import documents
from campaigns.congress.documents import Agent, Bill, Constituent, DocumentError, Letter, Sender
from campaigns.congress.offices import chamber_of, house_office, senate_office, state_of
from tests.support.cwc_server import SCHEMA

AGENT = Agent(
    "Local 42 Digital", "cwc@local42.example", "Sam Rivera", "cwc@local42.example", "202-555-0100"
)
SENDER = Sender(
    "SEIU Local 42",
    "Ana Ortiz",
    "ana@local42.example",
    "510-555-0101",
    "Home care workers in the East Bay.",
)
ANA = Constituent(
    "Ms.",
    "Ana",
    "García",
    "1 Main St",
    "Oakland",
    "CA",
    "94612",
    "ana@example.org",
    phone="510-555-0199",
)


def letter(**changes) -> Letter:
    fields = {
        "delivery_id": documents.delivery_id("Local 42 Digital", 7),
        "campaign_id": documents.campaign_id("Local 42 Digital", 3),
        "office": "HCA12",
        "subject": "Protect home care funding",
        "topics": ("Health", "Labor and Employment"),
        "constituent_message": "Please vote to keep home care funded.",
        "delivered_on": date(2026, 12, 4),
    }
    return Letter(**(fields | changes))


def parsed(document: bytes):
    return etree.fromstring(document)


def test_a_letter_is_a_valid_document_with_its_parts_in_order():
    document = documents.build(
        letter(bills=(Bill(119, "hr", 1234),), pro_or_con="pro", more_info="https://x.example"),
        ANA,
        AGENT,
        SENDER,
    )
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parsed(document)
    assert SCHEMA.validate(root), SCHEMA.error_log
    assert [child.tag for child in root] == [
        "CWCVersion",
        "Delivery",
        "Recipient",
        "Constituent",
        "Message",
    ]
    assert root.findtext("Delivery/DeliveryDate") == "20261204"
    assert root.findtext("Recipient/MemberOffice") == "HCA12"
    assert root.findtext("Constituent/LastName") == "García"
    assert root.findtext("Message/Bills/Bill/BillNumber") == "1234"
    assert [t.text for t in root.iter("LibraryOfCongressTopic")] == [
        "Health",
        "Labor and Employment",
    ]


def test_hostile_text_stays_text():
    """Markup, entities and control characters typed by a supporter cannot change the tree."""
    hostile = (
        "</ConstituentMessage><Injected/>&amp; <!ENTITY x SYSTEM 'file:///etc/passwd'>\x00\x07"
    )
    person = Constituent(
        "Dr.",
        "<b>Eve</b>",
        "O'Neil & Sons",
        '1 "Main" St',
        "Oakland",
        "CA",
        "94612-1234",
        "eve@example.org",
    )
    root = parsed(documents.build(letter(constituent_message=hostile), person, AGENT, SENDER))
    assert SCHEMA.validate(root), SCHEMA.error_log
    assert root.find(".//Injected") is None
    assert root.findtext("Message/ConstituentMessage") == hostile.replace("\x00", "").replace(
        "\x07", ""
    )
    assert root.findtext("Constituent/FirstName") == "<b>Eve</b>"


def test_the_delivery_id_is_stable_per_message_and_unique_across_messages():
    first = documents.delivery_id("Local 42 Digital", 7)
    assert first == documents.delivery_id("Local 42 Digital", 7)
    assert first != documents.delivery_id("Local 42 Digital", 8)
    assert len(first) == 32 and first.isalnum()


@pytest.mark.parametrize(
    ("changes", "person_changes", "said"),
    [
        ({}, {"prefix": "Sir"}, "prefix"),
        ({}, {"zip": "9461"}, "ZIP"),
        ({}, {"phone": "5105550199"}, "phone"),
        ({}, {"address1": " "}, "address1"),
        ({"topics": ("Labor",)}, {}, "topics"),
        ({"constituent_message": ""}, {}, "no words"),
        ({"pro_or_con": "maybe"}, {}, "stance"),
    ],
)
def test_what_cwc_requires_is_checked_before_sending(changes, person_changes, said):
    person = Constituent(**(ANA.__dict__ | person_changes))
    with pytest.raises(DocumentError, match=said):
        documents.build(letter(**changes), person, AGENT, SENDER)


def test_office_codes():
    assert house_office("CA-12") == "HCA12"
    assert house_office("WY-0") == "HWY00"
    assert house_office("CA") is None and house_office("") is None
    assert senate_office("CA", 3) == "SCA03"
    assert senate_office("CA", 4) is None and senate_office("C", 1) is None
    assert chamber_of("SCA03") == "senate" and chamber_of("HCA12") == "house"
    assert state_of("HWY00") == "WY"
    with pytest.raises(ValueError):
        chamber_of("XCA12")
    assert len(documents.LOC_TOPICS) == 32
