"""Organizers see signatures per worksite and department, and can send an employer counts
per worksite with small groups merged."""

import base64

import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, Organization, PetitionDelivery
from campaigns.submissions.signing import Signer, sign
from campaigns.tracking import petition_delivery as delivery
from campaigns.tracking import sources
from tests.factories import make_campaign, make_petition
from tests.tracking.test_delivery import delivered, rows_of


def sign_workers(petition, plan: list[tuple[str, str]]) -> None:
    """One signature per (worksite, department)."""
    for n, (worksite, department) in enumerate(plan):
        sign(
            petition,
            Signer(
                first_name=f"W{n}",
                last_name="X",
                email=f"worker{n}@example.org",
                postcode="94612",
                employer="Acme",
                worksite=worksite,
                department=department,
            ),
        )


@pytest.mark.both_databases
def test_worksite_and_department_counts(app, client, organizer):
    """The sources page counts signatures per worksite and department, spellings that differ
    only in capitals or spaces counted together, largest first."""
    plan = [("OAK4", "Inbound")] * 3 + [("oak4 ", "Outbound"), ("SFO2", "Inbound")]
    plan += [("", "")]
    with app.app_context():
        org = db.session.scalars(select(Organization).filter_by(slug="local-7")).one()
        petition = make_petition(make_campaign(org), asks_workplace=True)
        sign_workers(petition, plan)
        tables = {b.title: b for b in sources.breakdowns([petition.id])}
        petition_id = petition.id
    assert [(r.name.upper(), r.count) for r in tables["Worksites"].rows] == [
        ("OAK4", 4),
        ("(NONE)", 1),
        ("SFO2", 1),
    ]
    assert [(r.name, r.count) for r in tables["Departments"].rows] == [
        ("Inbound", 4),
        ("(none)", 1),
        ("Outbound", 1),
    ]
    html = client.get(f"{organizer}/actions/{petition_id}/sources").get_data(as_text=True)
    assert "Worksites" in html and "Departments" in html and 'data-value="4"' in html


def test_no_workplace_tables_where_the_action_does_not_ask(app):
    """An action that does not ask where people work shows no worksite table."""
    with app.app_context():
        petition = make_petition()
        titles = [b.title for b in sources.breakdowns([petition.id])]
    assert "Worksites" not in titles and "Departments" not in titles


@pytest.mark.both_databases
def test_protected_delivery_by_worksite_merges_small_groups(app, run_jobs):
    """An employer's copy counts signatures per worksite; worksites smaller than the minimum
    (and the blank one) merge into "other", which is never left small itself."""
    plan = [("OAK4", "")] * 4 + [("oak4", "")] + [("SFO2", "")] * 3
    plan += [("YVR1", ""), ("LAX9", ""), ("", "")]
    with app.app_context():
        petition = make_petition(asks_workplace=True)
        sign_workers(petition, plan)
        delivery.request_delivery(
            db.session.get(Action, petition.id),
            [delivery.Recipient("Acme HR", "hr@acme.example")],
            fields=[],
            protected=True,
            group_by="worksite",
            min_group=3,
        )
    run_jobs(["mail"])
    with app.app_context():
        [mail] = delivered()
        assert db.session.scalars(select(PetitionDelivery.signatures)).one() == 11
    data = base64.b64decode(mail.attachments[0]["content"])
    rows = rows_of(data)
    assert rows[0] == ["Worksite", "Signatures"]
    assert [(name.upper(), n) for name, n in rows[1:]] == [
        ("OAK4", "5"),
        ("SFO2", "3"),
        ("OTHER", "3"),
    ]
    for secret in ("YVR1", "LAX9", "W0", "example.org"):
        assert secret not in mail.text_body + data.decode()


def test_worksite_grouping_needs_an_action_that_asks(app):
    """Grouping by worksite an action that never asked is refused with a reason."""
    with app.app_context():
        petition = make_petition()
        with pytest.raises(delivery.DeliveryError, match="asks for the workplace"):
            delivery.request_delivery(
                petition,
                [delivery.Recipient("", "hr@acme.example")],
                fields=[],
                protected=True,
                group_by="worksite",
            )
