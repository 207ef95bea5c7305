"""Sign-up tables: fifty people on one tablet, none held, each confirming on their own; a
revoked, expired or borrowed token falls back to the normal limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.integrity import tables
from campaigns.models import (
    OutboxEmail,
    Role,
    SignupTable,
    Submission,
    User,
    utcnow,
)
from tests.conftest import csrf_from
from tests.factories import (
    make_campaign,
    make_letter,
    make_organization,
    make_petition,
    make_user,
    signer_form,
)

HALL = "203.0.113.90"


@pytest.fixture
def meeting(app, login):
    """Local 42's petition and an organizer who opens a table for it on the page."""
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        campaign = make_campaign(org)
        action = make_petition(campaign, requires_confirmation=True)
        other = make_petition(campaign)
        return action.id, action.slug, other.slug


def open_table(client, csrf, login, action_id, name="Hall meeting", hours=4) -> str:
    login("org@example.org")
    url = f"/organize/local-42/actions/{action_id}/tables"
    resp = client.post(url, data={"name": name, "hours": hours, "csrf_token": csrf(url)})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<svg" in page  # the QR code to open it on the device
    link = re.search(r'value="(http[^"]+/table/[^"]+)"', page).group(1)
    client.post("/organize/logout", data={"csrf_token": csrf("/organize/account")})
    return (
        link.split("campaigns.test", 1)[-1]
        if "campaigns.test" in link
        else link[link.index("/a/") :]
    )


def sign_at(client, path: str, n: int, ip: str = HALL):
    page = client.get(path, environ_overrides={"REMOTE_ADDR": ip}).get_data(as_text=True)
    token = csrf_from(page)
    data = {
        **signer_form(first_name=f"Member{n}", email=f"member{n}@example.org"),
        "csrf_token": token,
    }
    return client.post(path, data=data, environ_overrides={"REMOTE_ADDR": ip})


@pytest.mark.both_databases
def test_fifty_in_a_row_at_a_table_none_held_each_confirms(
    app, client, csrf, login, meeting, run_jobs
):
    action_id, slug, _ = meeting
    path = open_table(client, csrf, login, action_id)
    for n in range(50):
        resp = sign_at(client, path, n)
        assert resp.status_code == 303
        assert resp.headers["Location"].endswith("done=new")
    after = client.get(resp.headers["Location"], environ_overrides={"REMOTE_ADDR": HALL})
    page = after.get_data(as_text=True)
    # The next person sees a thank-you without anyone's name, and an empty form.
    assert "You are signed up" in page and "Member49" not in page and "member49@" not in page
    assert after.headers["Cache-Control"] == "no-store" and 'autocomplete="off"' in page
    with app.app_context():
        table = db.session.scalars(select(SignupTable)).one()
        subs = db.session.scalars(select(Submission)).all()
        assert len(subs) == 50
        assert {(s.fraudulent, s.held_reason, s.source) for s in subs} == {
            (False, None, table.source)
        }
    run_jobs(["mail"])
    with app.app_context():
        bodies = db.session.scalars(select(OutboxEmail.text_body)).all()
        assert len(bodies) == 50  # one confirmation each
    # Each confirms on their own phone.
    for body in bodies[:3]:
        found = re.search(r"https?://\S+?(/a/\S+/confirm/\S+)", body)
        assert found, body
        link = found.group(1)
        client.post(link, data={"csrf_token": csrf_from(client.get(link).get_data(as_text=True))})
    with app.app_context():
        confirmed = db.session.scalar(
            select(func.count()).select_from(Submission).where(Submission.confirmed_at.is_not(None))
        )
        assert confirmed == 3
    # Counted per table: the table page and the sources page.
    login("org@example.org")
    page = client.get(f"/organize/local-42/actions/{action_id}/tables").get_data(as_text=True)
    assert f"<td><code>{table.source}</code></td><td>50</td>" in page
    sources = client.get(f"/organize/local-42/actions/{action_id}/sources").get_data(as_text=True)
    assert table.source in sources


def test_the_same_address_without_the_table_is_held(app, client, csrf, meeting):
    _, slug, _ = meeting
    for n in range(3):
        data = {**signer_form(email=f"walkin{n}@example.org"), "csrf_token": csrf(f"/a/{slug}")}
        client.post(f"/a/{slug}", data=data, environ_overrides={"REMOTE_ADDR": HALL})
    with app.app_context():
        held = db.session.scalars(select(Submission.held_reason).order_by(Submission.id)).all()
        assert held == [None, "rate_limit_ip", "rate_limit_ip"]


def test_revoked_expired_or_borrowed_tokens_fall_back_to_the_limits(
    app, client, csrf, login, meeting
):
    action_id, slug, other_slug = meeting
    path = open_table(client, csrf, login, action_id)
    token = path.rsplit("/", 1)[1]
    # Another action's page does not take this table's token.
    assert client.get(f"/a/{other_slug}/table/{token}").status_code == 410
    # An altered token is no table at all.
    assert client.get(f"/a/{slug}/table/{token[:-2]}xx").status_code == 410
    assert sign_at(client, path, 1).status_code == 303
    with app.app_context():
        table = db.session.scalars(select(SignupTable)).one()
        owner = db.session.scalars(select(User)).one()
        tables.revoke(table_org(table), table, owner)
    closed = client.get(path)
    assert closed.status_code == 410 and "This sign-up table is closed" in closed.get_data(
        as_text=True
    )
    # A post with a form token taken before the revocation stores nothing.
    token_field = csrf(f"/a/{slug}")
    data = {**signer_form(email="late@example.org"), "csrf_token": token_field}
    assert client.post(path, data=data, environ_overrides={"REMOTE_ADDR": HALL}).status_code == 410
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1

    # An expired table: the same.
    second = open_table(client, csrf, login, action_id, name="Picket")
    with app.app_context():
        table = db.session.scalars(select(SignupTable).where(SignupTable.name == "Picket")).one()
        table.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(second).status_code == 410


def table_org(table):
    from campaigns.models import Organization

    return db.session.get(Organization, table.organization_id)


def test_letters_have_no_tables(app, client, login):
    with app.app_context():
        org = make_organization(slug="local-42", name="Local 42")
        make_user(org, Role.organizer, email="org@example.org")
        letter = make_letter(make_campaign(org), targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        letter_id = letter.id
    login("org@example.org")
    resp = client.get(f"/organize/local-42/actions/{letter_id}/tables")
    assert resp.status_code == 302
