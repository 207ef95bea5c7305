"""An IDOR sweep: every organizer URL with an organization in it, walked with another
organization's slug and ids. Members of one organization get 404 for everything of
another's, whatever the method; anonymous visitors are sent to the login page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.actions import stories
from campaigns.extensions import db
from campaigns.models import (
    ActionKind,
    ApiKey,
    ApiScope,
    Campaign,
    Directory,
    DistrictMap,
    Export,
    Invitation,
    ListEntry,
    ListKind,
    ListName,
    Membership,
    Milestone,
    OutboxEmail,
    Role,
    SignupTable,
    Story,
    StoryConsent,
    Submission,
    SupporterImport,
    Suppression,
    Tag,
    Trend,
    WebhookEndpoint,
    utcnow,
)
from campaigns.submissions.signing import Signer
from tests.factories import (
    make_action,
    make_campaign,
    make_letter,
    make_organization,
    make_partner,
    make_petition,
    make_user,
)


def theirs() -> dict:
    """One of everything an organizer URL can name, owned by another organization."""
    org = make_organization()
    owner = make_user(org, Role.owner)
    campaign = make_campaign(org)
    petition = make_petition(campaign)
    letter = make_letter(campaign)
    directory = Directory(organization_id=org.id, name="Their council")
    email = OutboxEmail(
        organization_id=org.id,
        message_id="<idor@example.org>",
        from_address="a@example.org",
        to_address="b@example.org",
        subject="Theirs",
        text_body="Theirs",
    )
    invitation = Invitation(
        organization_id=org.id,
        email="new@example.org",
        role=Role.viewer,
        invited_by_id=owner.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    trend = Trend(action_id=petition.id, kind="domain", value="bots.example", count=99)
    entry = ListEntry(
        organization_id=org.id, kind=ListKind.ip, list_name=ListName.block, value="192.0.2.0/24"
    )
    story_action = make_action(ActionKind.story, campaign)
    stories.submit(
        story_action, Signer("Ana", "Ruiz", "ana@example.org"), "Our story", StoryConsent.anonymous
    )
    story = db.session.scalars(select(Story)).one()
    supporter = db.session.get(Submission, story.submission_id).supporter
    tag = Tag(organization_id=org.id, name="phone bank")
    upload = SupporterImport(organization_id=org.id, original_name="theirs.csv", source="theirs")
    export = Export(organization_id=org.id, requested_by_id=owner.id)
    suppression = Suppression(organization_id=org.id, email_hash="0" * 64)
    milestone = Milestone(action_id=petition.id, value=100)
    key = ApiKey(
        organization_id=org.id,
        name="theirs",
        prefix="cmp_x",
        token_hash="1" * 64,
        scope=ApiScope.read,
    )
    endpoint = WebhookEndpoint(
        organization_id=org.id, url="https://hooks.example.org/", secret="s" * 32
    )
    db.session.add_all(
        [directory, email, invitation, trend, entry, tag, upload, export, suppression]
        + [milestone, key, endpoint]
    )
    db.session.flush()
    # Their directory's boundaries: ours cannot see, replace or remove them.
    db.session.add(
        DistrictMap(
            directory_id=directory.id,
            key_property="district",
            width=10,
            height=10,
            shapes=[["W-1", "M0,0L10,0L10,10Z"]],
            digest="2" * 64,
        )
    )
    db.session.commit()
    table = SignupTable(
        organization_id=org.id,
        action_id=petition.id,
        name="Their hall",
        source="table-their-hall",
        expires_at=utcnow() + timedelta(hours=2),
    )
    db.session.add(table)
    db.session.commit()
    partner = make_partner(campaign)
    membership = db.session.query(Membership).filter_by(organization_id=org.id).one()
    return {
        "partner_id": partner.id,
        "kind": "pledge",
        "story_id": story.id,
        "supporter_id": supporter.id,
        "tag_id": tag.id,
        "import_id": upload.id,
        "export_id": export.id,
        "token": "not-a-token",
        "suppression_id": suppression.id,
        "milestone_id": milestone.id,
        "key_id": key.id,
        "endpoint_id": endpoint.id,
        "org": org.slug,
        "campaign_id": campaign.id,
        "action_id": letter.id,  # a letter: its delivery pages exist too
        "trend_id": trend.id,
        "entry_id": entry.id,
        "directory_id": directory.id,
        "email_id": email.id,
        "membership_id": membership.id,
        "invitation_id": invitation.id,
        "table_id": table.id,
    }


# A form body that passes the forms' own checks, so each view gets as far as loading the
# object the URL names.
PLAUSIBLE_FORM = {
    "role": "viewer",
    "decision": "release",
    "all": "1",
    "kind": "ip",
    "list_name": "block",
    "value": "192.0.2.1",
    "title": "Ours now",
    "email": "x@example.org",
}


def organizer_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("organize.")]
    return [r for r in rules if "org" in r.arguments]


def urls(app, values: dict, own_org: str | None = None):
    """(method, url) for every organizer rule with an organization, filled with `values`; with
    `own_org`, only the rules naming something more than the organization, with the
    caller's own organization and the other's ids."""
    found = []
    for rule in organizer_rules(app):
        unknown = rule.arguments - values.keys()
        assert not unknown, f"{rule.rule}: add an object for {unknown} to the sweep"
        args = {name: values[name] for name in rule.arguments}
        if own_org is not None:
            if rule.arguments == {"org"}:
                continue
            args["org"] = own_org
        path = rule.build(args)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


@pytest.fixture
def sweep(app):
    with app.app_context():
        other = theirs()
        mine = make_organization()
        make_user(mine, Role.owner, email="owner@mine.example")
        # Co-sponsoring their campaign opens none of their pages either.
        make_partner(db.session.get(Campaign, other["campaign_id"]), mine)
        return other, mine.slug


def test_another_organizations_urls_are_404(app, client, login, sweep):
    """A member of one organization (an owner, with every permission) gets 404 at every
    organizer URL of another organization."""
    other, _ = sweep
    login("owner@mine.example")
    app.config["WTF_CSRF_ENABLED"] = False  # a refused token (400) would hide what the view does
    checked = urls(app, other)
    assert len(checked) > 30
    for method, path in checked:
        data = PLAUSIBLE_FORM if method == "POST" else None
        resp = client.open(path, method=method, data=data)
        assert resp.status_code == 404, (method, path, resp.status_code)


def test_another_organizations_ids_under_my_organization_are_404(app, client, login, sweep):
    """Putting another organization's ids under my own organization's URLs finds nothing."""
    other, mine = sweep
    login("owner@mine.example")
    app.config["WTF_CSRF_ENABLED"] = False  # a refused token (400) would hide what the view does
    checked = urls(app, other, own_org=mine)
    assert len(checked) > 20
    for method, path in checked:
        data = PLAUSIBLE_FORM if method == "POST" else None
        resp = client.open(path, method=method, data=data)
        assert resp.status_code == 404, (method, path, resp.status_code)
    # Their district boundaries, among what the sweep tried to replace and remove, stay.
    assert ("POST", f"/organize/{mine}/directories/{other['directory_id']}/boundaries/delete") in (
        checked
    )
    with app.app_context():
        assert db.session.scalars(select(DistrictMap.digest)).all() == ["2" * 64]


def test_anonymous_visitors_are_sent_to_login(app, client, sweep):
    other, _ = sweep
    app.config["WTF_CSRF_ENABLED"] = False
    for method, path in urls(app, other):
        resp = client.open(path, method=method)
        assert resp.status_code == 302, (method, path)
        assert resp.headers["Location"].startswith("/organize/login"), (method, path)
