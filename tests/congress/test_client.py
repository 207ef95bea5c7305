"""The CWC client against the local chambers: what each answer becomes."""

from __future__ import annotations

import pytest

from campaigns.congress import client, documents
from tests.congress.test_documents import AGENT, ANA, SENDER, letter
from tests.support.cwc_server import Reply


def document(office="HCA12", message_id=7, **changes) -> bytes:
    delivery_id = documents.delivery_id("Local 42 Digital", message_id)
    return documents.build(
        letter(office=office, delivery_id=delivery_id, **changes), ANA, AGENT, SENDER
    )


def test_the_house_accepts_a_valid_letter_once(cwc_app, cwc):
    accepted = client.deliver("HCA12", document())
    assert accepted == client.Accepted("house", 200)
    [received] = cwc.deliveries("house")
    assert received.apikey == cwc.house_key and received.office == "HCA12"
    # The same DeliveryId again is refused by the House as a duplicate: never delivered twice.
    with pytest.raises(client.Rejected, match="duplicate"):
        client.deliver("HCA12", document())
    assert len(cwc.deliveries("house")) == 1


def test_the_senate_answers_a_repeat_409_which_counts_as_sent(cwc_app, cwc):
    assert client.deliver("SCA03", document("SCA03")) == client.Accepted("senate", 201)
    again = client.deliver("SCA03", document("SCA03"))
    assert again.already and again.status == 409
    assert [r.path for r in cwc.deliveries("senate")] == ["/api/production-messages/"]


def test_the_senate_testing_endpoint(cwc_app, cwc):
    cwc_app.config["CWC_SENATE_TESTING"] = True
    client.deliver("SVT01", document("SVT01"))
    assert cwc.received[-1].path == "/api/testing-messages/"


def test_a_400_is_rejected_with_the_chambers_reasons(cwc_app, cwc):
    """An office not on the chamber's list: the <Error> texts come back to show organizers."""
    with pytest.raises(client.Rejected) as refused:
        client.deliver("HNY10", document("HNY10"))
    assert refused.value.errors == ["HNY10 does not accept CWC messages"]


def test_a_document_the_schema_refuses(cwc_app, cwc):
    bad = document().replace(b"<Prefix>Ms.</Prefix>", b"<Prefix>Sir</Prefix>")
    with pytest.raises(client.Rejected) as refused:
        client.deliver("HCA12", bad)
    assert "Prefix" in str(refused.value) or "Sir" in str(refused.value)


def test_a_wrong_key_is_refused_not_retried(cwc_app, cwc):
    cwc_app.config["CWC_SENATE_API_KEY"] = "wrong"
    with pytest.raises(client.KeyRefused):
        client.deliver("SCA01", document("SCA01"))
    assert not cwc.deliveries()


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_worth_retrying_and_the_retry_is_delivered_once(cwc_app, cwc, status):
    cwc.replies.append(Reply(status))
    with pytest.raises(client.Unavailable):
        client.deliver("HCA12", document())
    assert client.deliver("HCA12", document()).status == 200
    assert len(cwc.deliveries("house")) == 1


def test_a_slow_chamber_times_out_as_unavailable(cwc_app, cwc):
    cwc_app.config["CWC_TIMEOUT"] = 0.3
    cwc.replies.append(Reply(500, delay=1.0))
    with pytest.raises(client.Unavailable, match="no answer"):
        client.deliver("HCA12", document())


def test_validate_delivers_nothing(cwc_app, cwc):
    assert client.validate(document()).status == 200
    assert not cwc.deliveries()
    assert cwc.received[-1].path == "/v2/validate"


def test_active_offices_of_each_chamber(cwc_app, cwc):
    assert client.active_offices("house") == set(cwc.house_offices)
    assert client.active_offices("senate") == set(cwc.senate_offices)


def test_without_a_key_a_chamber_is_not_configured(app):
    with app.app_context():
        assert not client.configured("house")
        with pytest.raises(client.NotConfigured):
            client.deliver("HCA12", document())


def test_unreachable_chamber(cwc_app):
    cwc_app.config["CWC_HOUSE_URL"] = "http://127.0.0.1:9"
    with pytest.raises(client.Unavailable, match="could not reach"):
        client.deliver("HCA12", document())
