"""Viewers see counts, never people: a viewer walks every organize page a link leads to and
none of them shows a supporter's name or address; an organizer, on the same pages, does."""

import re
from collections import deque

from campaigns.extensions import db
from campaigns.letters.compose import Letter, send_letter
from campaigns.models import LetterSettings, Role
from campaigns.submissions.signing import Signer, sign
from tests.factories import make_campaign, make_letter, make_organization, make_petition, make_user

ORG = "/organize/local-1/"
FIRST, LAST, EMAIL = "Zelda", "Secretperson", "zelda.secret@example.org"
HREF = re.compile(r'href="(/organize/local-1/[^"#]*)"')
# Pages whose GET does something or streams a file; the walk reads, it does not act.
SKIP = re.compile(r"/(logout|download|export)s?\b")


def _seed(app) -> None:
    with app.app_context():
        org = make_organization(slug="local-1", name="Local 1")
        make_user(org, Role.viewer, email="viewer@example.org")
        make_user(org, Role.organizer, email="organizer@example.org")
        campaign = make_campaign(org)
        zelda = Signer(first_name=FIRST, last_name=LAST, email=EMAIL, show_name=True)
        sign(make_petition(campaign), zelda)
        letter = make_letter(campaign, targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        settings = db.session.get(LetterSettings, letter.id)
        settings.screen_words = "scab"
        db.session.commit()
        send_letter(letter, zelda, Letter("Hi", "no scab work"))


def _walk(client) -> dict[str, str]:
    """Every page reachable by links from the organization's home, by path."""
    seen: dict[str, str] = {}
    todo = deque([ORG])
    while todo and len(seen) < 300:
        path = todo.popleft()
        if path in seen:
            continue
        resp = client.get(path)
        seen[path] = resp.get_data(as_text=True) if resp.status_code == 200 else ""
        for link in HREF.findall(seen[path]):
            link = link.replace("&amp;", "&")
            if link not in seen and not SKIP.search(link):
                todo.append(link)
    return seen


def _showing_people(pages: dict[str, str]) -> list[str]:
    return [p for p, html in pages.items() if LAST in html or EMAIL in html]


def test_no_viewer_page_shows_a_supporter(app, client, login):
    _seed(app)
    login("viewer@example.org")
    pages = _walk(client)
    assert any("/delivery" in p for p in pages), "the walk reaches the delivery page"
    assert _showing_people(pages) == []


def test_an_organizer_walking_the_same_pages_sees_them(app, client, login):
    """The walk can find a name: the pages an organizer reaches do show Zelda."""
    _seed(app)
    login("organizer@example.org")
    pages = _walk(client)
    shown = _showing_people(pages)
    assert any("/delivery" in p for p in shown)
