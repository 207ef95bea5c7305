from sqlalchemy import func, select

from campaigns.extensions import db
from campaigns.models import (
    Action,
    Campaign,
    CampaignStatus,
    LetterSettings,
    Membership,
    Role,
    Target,
    User,
)


def test_create_owner(app, runner):
    """`campaigns create-owner` makes a user who owns the named organization."""
    result = runner.invoke(
        args=[
            "create-owner",
            "Lead@Union.example",
            "--organization",
            "Local 10",
            "--password",
            "a long passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "lead@union.example owns Local 10." in result.output
    with app.app_context():
        membership = db.session.scalars(select(Membership)).one()
        assert membership.role == Role.owner
        assert membership.organization.slug == "local-10"
        assert membership.user.check_password("a long passphrase")


def test_create_owner_refuses_a_short_password(app, runner):
    """A short password is refused with a clear message and nothing is created."""
    result = runner.invoke(
        args=["create-owner", "a@b.example", "--organization", "X", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_once(app, runner, tmp_path):
    """The demo is seeded into an empty database once: a live petition counting at once."""
    app.instance_path = str(tmp_path)
    first = runner.invoke(args=["seed-demo"])
    assert "Demo owner: demo-owner@example.org / " in first.output
    password = first.output.strip().rsplit(" / ", 1)[1]
    second = runner.invoke(args=["seed-demo"])
    assert password in second.output  # the same login is shown again, nothing new made
    with app.app_context():
        campaign = db.session.scalars(select(Campaign)).one()
        assert campaign.status == CampaignStatus.live
        petition, letter, congress = db.session.scalars(select(Action).order_by(Action.id)).all()
        assert not petition.requires_confirmation
        assert {t.locale for t in petition.translations} == {"en", "es"}
        assert letter.kind.value == "letter" and letter.requires_confirmation
        assert {t.locale for t in letter.translations} == {"en", "es"}
        # Congress by ZIP, from the files the package ships: 435 House seats (and the
        # delegates), 100 senators, each with a CWC office code.
        assert congress.slug == "tell-congress"
        assert {t.locale for t in congress.translations} == {"en", "es"}
        settings = db.session.get(LetterSettings, congress.id)
        assert settings.topics == "Labor and Employment" and settings.call_script
        offices = db.session.scalars(
            select(Target.office_code).where(Target.directory_id == settings.directory_id)
        ).all()
        assert sum(o.startswith("S") for o in offices) == 100
        assert sum(o.startswith("H") for o in offices) >= 435
        assert {"HCA12", "HWY00", "SCA03", "SVT01"} <= set(offices)
        assert db.session.scalars(select(User)).one().check_password(password)
