import re

import pytest
from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Role, Submission, Supporter
from tests.factories import (
    from_new_address,
    make_action,
    make_campaign,
    make_organization,
    make_petition,
    make_user,
    signer_form,
)

WORKPLACE = {
    "employer": "Acme Logistics",
    "worksite": "Warehouse OAK4",
    "department": "Inbound",
    "work_shift": "Nights",
}
EMBED_TOKEN = re.compile(r'name="embed_token" value="([^"]+)"')


def workplaces(app) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        columns = (
            Submission.employer,
            Submission.worksite,
            Submission.department,
            Submission.work_shift,
        )
        return [tuple(row) for row in db.session.execute(select(*columns))]


def post_sign(client, csrf, slug, **fields):
    data = signer_form(**fields)
    data.setdefault("csrf_token", csrf(f"/a/{slug}"))
    return client.post(f"/a/{slug}", data=data, **from_new_address())


@pytest.mark.both_databases
def test_workplace_is_stored_from_the_page(app, client, csrf):
    """A worker signing a petition that asks where they work has it kept on the signature."""
    with app.app_context():
        slug = make_petition(asks_workplace=True).slug
    page = client.get(f"/a/{slug}").get_data(as_text=True)
    for label in ("Employer (optional)", "Worksite (optional)", "Department", "Shift"):
        assert label in page
    fields = {name: f"  {value} " for name, value in WORKPLACE.items()}
    resp = post_sign(client, csrf, slug, **fields)
    assert resp.status_code == 302
    assert workplaces(app) == [tuple(WORKPLACE.values())]


@pytest.mark.both_databases
def test_workplace_is_stored_from_the_embed(app):
    """A pledge signed in a partner's embed keeps the workplace too."""
    with app.app_context():
        slug = make_action(ActionKind.pledge, asks_workplace=True).slug
    client = app.test_client(use_cookies=False)
    html = client.get(f"/embed/a/{slug}").get_data(as_text=True)
    assert 'name="worksite"' in html
    token = EMBED_TOKEN.search(html).group(1)
    data = signer_form() | WORKPLACE | {"embed_token": token}
    resp = client.post(f"/embed/a/{slug}", data=data, **from_new_address())
    assert resp.status_code == 302
    assert workplaces(app) == [tuple(WORKPLACE.values())]


def test_workplace_is_not_asked_or_stored_unless_the_action_asks(app, client, csrf):
    """An action that does not ask shows no workplace fields, and a crafted post stores none."""
    with app.app_context():
        slug = make_petition().slug
    page = client.get(f"/a/{slug}").get_data(as_text=True)
    assert 'name="employer"' not in page
    assert "Where you work" not in page
    assert post_sign(client, csrf, slug, **WORKPLACE).status_code == 302
    assert workplaces(app) == [("", "", "", "")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"employer": "A" * 121}, "at most 120 characters"),
        ({"worksite": "<script>alert(1)</script>"}, "Please use letters only"),
        ({"department": "{{ 7 * 7 }}"}, "Please use letters only"),
        ({"work_shift": "N" * 61}, "at most 60 characters"),
    ],
)
def test_bad_workplace_rerenders_and_writes_nothing(app, client, csrf, fields, message):
    """Too long or markup in a workplace field shows the form again, 422, and stores nothing."""
    with app.app_context():
        slug = make_petition(asks_workplace=True).slug
    resp = post_sign(client, csrf, slug, **fields)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 0


def test_organizer_turns_the_workplace_question_on(app, client, csrf, login):
    """The organizer's checkbox sets the action to ask for the workplace, and unticked clears it."""
    with app.app_context():
        org = make_organization(slug="local-9")
        make_user(org, Role.organizer, email="org9@example.org")
        petition = make_petition(make_campaign(org), slug="ask-me")
        url = f"/organize/local-9/actions/{petition.id}/edit"
    login("org9@example.org")
    assert "Ask for workplace: employer, worksite, department, shift" in client.get(url).get_data(
        as_text=True
    )
    data = {"slug": "ask-me", "title_en": "T", "body_en": "B", "asks_workplace": "y"}
    assert client.post(url, data=data | {"csrf_token": csrf(url)}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Action.asks_workplace)).one() is True
    del data["asks_workplace"]
    assert client.post(url, data=data | {"csrf_token": csrf(url)}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Action.asks_workplace)).one() is False
