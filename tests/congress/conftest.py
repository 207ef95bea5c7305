from __future__ import annotations

import pytest

from tests.support.cwc_server import CwcServer


@pytest.fixture(scope="session")
def cwc_server():
    """One local CWC server for the session; each test starts from a clean record."""
    server = CwcServer().start()
    yield server
    server.stop()


@pytest.fixture
def cwc(cwc_server):
    cwc_server.received.clear()
    cwc_server.replies.clear()
    cwc_server.accepted = {"house": [], "senate": []}
    cwc_server.hold = None
    cwc_server.holding.clear()
    cwc_server.release.clear()
    yield cwc_server
    cwc_server.release.set()  # a test that failed while holding must not leave a thread stuck


@pytest.fixture
def cwc_app(app, cwc):
    """The app with both chambers pointed at the local server."""
    app.config.update(
        CWC_HOUSE_URL=cwc.url,
        CWC_HOUSE_API_KEY=cwc.house_key,
        CWC_SENATE_URL=cwc.url,
        CWC_SENATE_API_KEY=cwc.senate_key,
        CWC_DELIVERY_AGENT="Local 42 Digital",
        CWC_DELIVERY_AGENT_EMAIL="cwc@local42.example",
        CWC_DELIVERY_AGENT_CONTACT_NAME="Sam Rivera",
        CWC_DELIVERY_AGENT_CONTACT_PHONE="202-555-0100",
        CWC_TIMEOUT=2,
        CWC_RATE_PER_SECOND=1000,
    )
    with app.app_context():
        yield app
