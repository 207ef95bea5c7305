import pytest
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import ActionKind, Story, StoryStatus, Submission
from tests.conftest import csrf_from
from tests.factories import (
    from_new_address,
    make_action,
    make_campaign,
    make_organization,
    make_user,
    signer_form,
)

SECRET = "My supervisor Jim Beam at the Acme night shift cut my hours"


def post_story(client, csrf, slug, story=SECRET, consent="name_city", **fields):
    data = signer_form(**fields) | {"story": story, "consent": consent}
    data.setdefault("csrf_token", csrf(f"/a/{slug}"))
    return client.post(f"/a/{slug}", data=data, **from_new_address())


@pytest.fixture
def story_action(app):
    with app.app_context():
        org = make_organization()
        action = make_action(ActionKind.story, make_campaign(org))
        return {
            "slug": action.slug,
            "id": action.id,
            "org": org.slug,
            "campaign": action.campaign.slug,
            "email": make_user(org).email,
        }


def public_pages(client, story_action) -> str:
    return "".join(
        client.get(url).get_data(as_text=True)
        for url in (
            f"/a/{story_action['slug']}",
            f"/c/{story_action['campaign']}",
            f"/embed/a/{story_action['slug']}",
            "/",
        )
    )


def moderate(client, story_action, story_id, decision, text):
    queue = f"/organize/{story_action['org']}/actions/{story_action['id']}/stories"
    token = csrf_from(client.get(queue).get_data(as_text=True))
    return client.post(
        f"{queue}/{story_id}", data={"csrf_token": token, "decision": decision, "text": text}
    )


def test_nothing_is_public_before_approval(app, client, csrf, login, story_action):
    """A story is stored as pending and appears on no public page until it is approved,
    then only as edited, with first name and city."""
    resp = post_story(client, csrf, story_action["slug"], first_name="Rosa", city="Fresno")
    assert "Thank you for sharing your story!" in client.get(resp.headers["Location"]).get_data(
        True
    )
    with app.app_context():
        story = db.session.scalars(select(Story)).one()
        assert story.status == StoryStatus.pending
        story_id = story.id
    assert "Jim Beam" not in public_pages(client, story_action)
    assert "Rosa" not in public_pages(client, story_action)

    login(story_action["email"])
    queue = client.get(f"/organize/{story_action['org']}/actions/{story_action['id']}/stories")
    assert SECRET in queue.get_data(as_text=True)
    edited = "My supervisor cut my hours"
    assert moderate(client, story_action, story_id, "approve", edited).status_code == 302
    pages = public_pages(client, story_action)
    assert edited in pages and "Rosa, Fresno" in pages
    assert "Jim Beam" not in pages
    with app.app_context():
        assert db.session.get(Story, story_id).original_text == SECRET


@pytest.mark.parametrize("consent", ["private"])
def test_private_story_is_never_public_even_approved(
    app, client, csrf, login, story_action, consent
):
    """A story for the organizers only stays off public pages even when approved."""
    post_story(client, csrf, story_action["slug"], consent=consent)
    with app.app_context():
        story_id = db.session.scalars(select(Story.id)).one()
    login(story_action["email"])
    moderate(client, story_action, story_id, "approve", SECRET)
    assert "Jim Beam" not in public_pages(client, story_action)


def test_anonymous_and_rejected_stories(app, client, csrf, login, story_action):
    """An anonymous story is published without a name; a rejected one not at all."""
    post_story(
        client,
        csrf,
        story_action["slug"],
        story="Anon words",
        consent="anonymous",
        first_name="Zed",
    )
    post_story(client, csrf, story_action["slug"], story="Rejected words")
    with app.app_context():
        anon_id, rejected_id = db.session.scalars(select(Story.id).order_by(Story.id)).all()
    login(story_action["email"])
    moderate(client, story_action, anon_id, "approve", "Anon words")
    moderate(client, story_action, rejected_id, "reject", "Rejected words")
    pages = public_pages(client, story_action)
    assert "Anon words" in pages and "Anonymous" in pages and "Zed" not in pages
    assert "Rejected words" not in pages


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"story": ""}, "Please write your story."),
        ({"consent": ""}, "Please choose whether we may publish your story."),
        ({"consent": "everyone"}, "Not a valid choice"),
        ({"story": "x" * 5001}, "Please use at most 5000 characters."),
    ],
)
def test_bad_story_is_refused_and_nothing_written(app, client, csrf, story_action, fields, message):
    """Bad story forms come back 422 with a message, and nothing is stored."""
    resp = post_story(client, csrf, story_action["slug"], **fields)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission)).first() is None
        assert db.session.scalars(select(Story)).first() is None


def test_moderation_needs_text(app, client, csrf, login, story_action):
    """Approving with an empty text is refused (422) and leaves the story pending."""
    post_story(client, csrf, story_action["slug"])
    with app.app_context():
        story_id = db.session.scalars(select(Story.id)).one()
    login(story_action["email"])
    assert moderate(client, story_action, story_id, "approve", "  ").status_code == 422
    with app.app_context():
        assert db.session.get(Story, story_id).status == StoryStatus.pending
