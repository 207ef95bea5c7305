from campaigns.models import Role
from campaigns.submissions.signing import Signer, sign
from tests.factories import make_campaign, make_organization, make_petition, make_user


def test_outbox_shows_only_this_organizations_mail(app, client, login, run_jobs):
    """Staff read their organization's outgoing mail; another organization's stays hidden."""
    with app.app_context():
        mine, theirs = make_organization(slug="mine"), make_organization(slug="theirs")
        make_user(mine, Role.staff, email="staff@example.org")
        sign(make_petition(make_campaign(mine)), Signer("Ana", "Lopez", "ana@example.org"))
        sign(make_petition(make_campaign(theirs)), Signer("Bo", "Kim", "bo@example.org"))
    run_jobs()
    login("staff@example.org")
    html = client.get("/organize/mine/outbox").get_data(as_text=True)
    assert "ana@example.org" in html
    assert "bo@example.org" not in html
    email_link = html.split('href="/organize/mine/outbox/')[1].split('"')[0]
    detail = client.get(f"/organize/mine/outbox/{email_link}").get_data(as_text=True)
    assert "/confirm/" in detail
    assert "List-Unsubscribe" in detail


def test_empty_outbox_explains_itself(app, client, login):
    """An empty outbox says how mail gets there."""
    with app.app_context():
        make_user(make_organization(slug="mine"), Role.owner, email="o@example.org")
    login("o@example.org")
    assert "No email yet." in client.get("/organize/mine/outbox").get_data(as_text=True)


def test_letters_land_in_the_outbox_of_their_organization(app, client, login, run_jobs):
    """With the outbox backend, a sent letter is readable on its organization's outbox."""
    from campaigns.letters.compose import send_letter
    from tests.factories import make_letter

    with app.app_context():
        org = make_organization(slug="mine")
        make_user(org, Role.staff, email="staff@example.org")
        action = make_letter(make_campaign(org), targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        send_letter(action, Signer("Ana", "Ruiz", "ana@example.org"))
    run_jobs()
    login("staff@example.org")
    html = client.get("/organize/mine/outbox").get_data(as_text=True)
    assert "ceo@acme.example" in html
    assert "Bargain in good faith, Pat Boss" in html
