"""The opt-in boxes on public forms: which partners a visitor is offered, what ticking one
writes, and that an action without partners pays nothing for the feature."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.models import ActionKind, ListEntry, ListKind, ListName, OptInState
from tests.conftest import csrf_from
from tests.factories import make_action, make_event, make_petition, signer_form
from tests.partners.conftest import opt_ins, sign_form, submission_of

FOOD_LABEL = (
    "Also join Fair Food Coalition's list: they may email you about this and their other campaigns."
)
RIDERS_LABEL = "Also join Riders Union's list"


def test_share_all_partner_is_offered_to_everyone(client, coalition):
    """A "share all" partner's box shows on the plain page, unticked, beside the host's
    sentence and the small print about confirmation; a proportional one's does not."""
    html = client.get(f"/a/{coalition.slug}").get_data(as_text=True)
    assert FOOD_LABEL in html
    assert f'name="partners" value="{coalition.food_id}">' in html  # not checked
    assert RIDERS_LABEL not in html
    assert "Warehouse Workers Local 7 runs this campaign and keeps your details." in html
    assert "only after you confirm your email address" in html


def test_proportional_partner_is_offered_only_through_its_source(client, coalition):
    """A visitor who came through the Riders Union's link (any case) sees their box too."""
    html = client.get(f"/a/{coalition.slug}?source=Riders").get_data(as_text=True)
    assert RIDERS_LABEL in html and FOOD_LABEL in html
    other = client.get(f"/a/{coalition.slug}?source=facebook").get_data(as_text=True)
    assert RIDERS_LABEL not in other


def test_the_embed_offers_by_its_source(client, coalition):
    """The embedded form offers the proportional partner when its iframe carries its code."""
    html = client.get(f"/embed/a/{coalition.slug}?source=riders").get_data(as_text=True)
    assert RIDERS_LABEL in html and FOOD_LABEL in html
    assert RIDERS_LABEL not in client.get(f"/embed/a/{coalition.slug}").get_data(as_text=True)


def test_a_partner_at_its_cap_is_not_offered(app, client, coalition):
    """Once as many people as the cap were shared, the box is gone."""
    from campaigns.models import CampaignPartner, OptIn, Supporter

    with app.app_context():
        partner = db.session.query(CampaignPartner).filter_by(organization_id=coalition.food_id)
        partner.one().cap = 1
        person = Supporter(organization_id=coalition.host_id, email="a@x.org", email_key="a@x.org")
        person.first_name, person.last_name = "A", "B"
        db.session.add(person)
        db.session.flush()
        from campaigns.models import Submission

        sub = Submission(action_id=submission_action_id(coalition), supporter_id=person.id)
        db.session.add(sub)
        db.session.flush()
        db.session.add(
            OptIn(
                supporter_id=person.id,
                submission_id=sub.id,
                organization_id=coalition.food_id,
                campaign_id=coalition.campaign_id,
                state=OptInState.shared,
            )
        )
        db.session.commit()
    assert FOOD_LABEL not in client.get(f"/a/{coalition.slug}").get_data(as_text=True)


def submission_action_id(coalition) -> int:
    from sqlalchemy import select

    from campaigns.models import Action

    return db.session.scalar(select(Action.id).where(Action.slug == coalition.slug))


@pytest.mark.both_databases
def test_ticking_writes_opt_ins_with_the_submission(app, client, coalition):
    """Ticked boxes become pending opt-ins of the new submission, with its source."""
    resp = sign_form(
        client,
        coalition.slug,
        source="riders",
        partners=[coalition.food_id, coalition.riders_id],
        email="rosa@example.org",
    )
    assert resp.status_code == 302
    with app.app_context():
        rows = opt_ins()
        sub = submission_of("rosa@example.org")
        assert {r.organization_id for r in rows} == {coalition.food_id, coalition.riders_id}
        for r in rows:
            assert (r.submission_id, r.supporter_id) == (sub.id, sub.supporter_id)
            assert (r.state, r.source, r.campaign_id) == (
                OptInState.pending,
                "riders",
                coalition.campaign_id,
            )


def test_unticked_boxes_write_nothing(app, client, coalition):
    """Nobody joins a partner's list without ticking its box."""
    sign_form(client, coalition.slug, email="no@example.org")
    with app.app_context():
        assert opt_ins() == []


def test_a_post_cannot_opt_in_to_a_partner_it_was_not_offered(app, client, coalition):
    """A crafted post naming the proportional partner without its source, or an organization
    that is no partner at all, opts in to nothing of the sort."""
    sign_form(
        client,
        coalition.slug,
        partners=[coalition.riders_id, coalition.host_id, 999],
        email="crafted@example.org",
    )
    with app.app_context():
        assert opt_ins() == []


def test_a_fraudulent_signature_records_no_opt_in(app, client, coalition):
    """A signature from a blocked address is thanked like any other and opts in to nothing."""
    with app.app_context():
        db.session.add(
            ListEntry(
                organization_id=coalition.host_id,
                kind=ListKind.ip,
                list_name=ListName.block,
                value="10.0.0.0/8",  # where the test clients sign from
            )
        )
        db.session.commit()
        integrity.forget(coalition.host_id)
    resp = sign_form(client, coalition.slug, partners=[coalition.food_id], email="bot@example.org")
    assert resp.status_code == 302
    with app.app_context():
        assert submission_of("bot@example.org").fraudulent
        assert opt_ins() == []


def test_the_embed_records_opt_ins_with_its_source(app, client, coalition):
    """Signing in the Riders Union's embed opts in to them, with their code as the source."""
    html = client.get(f"/embed/a/{coalition.slug}?source=riders").get_data(as_text=True)
    token = html.split('name="embed_token" value="')[1].split('"')[0]
    data = signer_form(email="embed@example.org")
    data.update(embed_token=token, source="riders", partners=[str(coalition.riders_id)])
    resp = client.post(f"/embed/a/{coalition.slug}?source=riders", data=data)
    assert resp.status_code == 302
    with app.app_context():
        [row] = opt_ins()
        assert (row.organization_id, row.source) == (coalition.riders_id, "riders")


def test_events_and_letters_offer_the_same_boxes(app, client, coalition, run_jobs):
    """Every public form that collects a person uses the one builder: an RSVP opts in too."""
    from campaigns.models import Campaign

    with app.app_context():
        campaign = db.session.get(Campaign, coalition.campaign_id)
        event = make_event(campaign)
        letter_slug = make_letter_for(campaign)
        shift_id = event_shift_id(event.id)
    assert FOOD_LABEL in client.get(f"/a/{letter_slug}").get_data(as_text=True)
    page = client.get(f"/a/{event.slug}").get_data(as_text=True)
    assert FOOD_LABEL in page
    data = signer_form(email="rsvp@example.org")
    data.update(
        csrf_token=csrf_from(page), shifts=[str(shift_id)], partners=[str(coalition.food_id)]
    )
    assert client.post(f"/a/{event.slug}", data=data).status_code == 302
    with app.app_context():
        [row] = opt_ins()
        assert row.organization_id == coalition.food_id


def make_letter_for(campaign) -> str:
    from tests.factories import make_letter

    return make_letter(campaign, targets=[("Boss", "CEO", "boss@acme.example")]).slug


def event_shift_id(action_id: int) -> int:
    from sqlalchemy import select

    from campaigns.models import Shift

    return db.session.scalar(select(Shift.id).where(Shift.action_id == action_id))


def test_the_boxes_are_in_spanish(client, coalition):
    """A Spanish-speaking supporter reads the boxes and the host's sentence in Spanish."""
    client.get("/lang/es")
    html = client.get(f"/a/{coalition.slug}").get_data(as_text=True)
    assert "También unirme a la lista de Fair Food Coalition" in html
    assert "Warehouse Workers Local 7 organiza esta campaña y guarda tus datos" in html


class Statements:
    """The SQL statements run while the block is open, on every engine."""

    def __init__(self):
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self._record)

    def touching(self, *tables: str) -> list[str]:
        return [s for s in self.seen if any(t in s for t in tables)]


def test_an_action_without_partners_looks_none_up(app, client):
    """The page and the post of an action without partners run no partner query: whether
    there are any comes with the action's cached reference."""
    with app.app_context():
        slug = make_petition().slug
    client.get(f"/a/{slug}")  # the action's reference is read and cached
    with Statements() as page_view:
        page = client.get(f"/a/{slug}").get_data(as_text=True)
    assert 'name="partners"' not in page
    assert page_view.touching("campaign_partners", "opt_ins") == []
    data = signer_form(csrf_token=csrf_from(page))
    with Statements() as post:
        assert client.post(f"/a/{slug}", data=data).status_code == 302
    assert post.touching("campaign_partners", "opt_ins") == []


def test_partners_are_read_once_per_process_not_per_view(app, client, coalition):
    """With partners, repeated views of the page read them from the process's cache."""
    client.get(f"/a/{coalition.slug}")
    with Statements() as views:
        for _ in range(3):
            assert FOOD_LABEL in client.get(f"/a/{coalition.slug}").get_data(as_text=True)
    assert views.touching("campaign_partners") == []


def test_a_story_form_offers_boxes(app, client, coalition):
    """A story collection's form offers the same boxes."""
    from campaigns.models import Campaign

    with app.app_context():
        story = make_action(ActionKind.story, db.session.get(Campaign, coalition.campaign_id))
        slug = story.slug
    assert FOOD_LABEL in client.get(f"/a/{slug}").get_data(as_text=True)
