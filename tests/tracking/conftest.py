from datetime import datetime

import pytest

from campaigns.extensions import db
from campaigns.models import ActionHourlyCount, Role
from tests.factories import make_organization, make_user


@pytest.fixture
def organizer(app, login):
    """An organizer of Local 7 (logged in); returns the organization's URL prefix."""
    with app.app_context():
        org = make_organization(slug="local-7", name="Local 7")
        make_user(org, Role.organizer, email="org@example.org")
    login("org@example.org")
    return "/organize/local-7"


def put_buckets(action_id: int, rows: dict[datetime, tuple[int, int]]) -> None:
    """Hourly counts as the tally job would have left them."""
    for hour, (signed, confirmed) in rows.items():
        db.session.add(
            ActionHourlyCount(action_id=action_id, hour=hour, signed=signed, confirmed=confirmed)
        )
    db.session.commit()
