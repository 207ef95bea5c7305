import pytest
from sqlalchemy import func, select

from campaigns.accounts import passwords
from campaigns.extensions import db
from campaigns.models import Role, User
from tests.factories import PASSWORD, make_organization, make_user


@pytest.mark.parametrize(
    ("password", "email", "fragment"),
    [
        ("short one", "", "at least 12 characters"),
        ("password1234", "", "too common"),
        ("iloveyouforever", "", "too common"),
        ("Football2024!!", "", "too common"),
        ("qwertyuiopasdf", "", "too common"),
        ("abcabcabcabcabc", "", "too common"),
        ("1234567890123", "", "too common"),
        ("zzzzzzzzzzzzzzz", "", "too common"),
        ("ruthgarcia-rocks-7", "ruthgarcia@example.org", "name (ruthgarcia)"),
        ("my RUTH.G tea kettle", "ruth.g+staff@example.org", "name (ruth.g)"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(app, password, email, fragment):
    """Short, common and email-based passwords are refused, each with a message saying why."""
    with app.app_context():
        assert fragment in passwords.problem(password, email)


@pytest.mark.parametrize("password", [PASSWORD, "tamales at the picket line", "Xk2#pL9m!qR4"])
def test_good_passwords_pass(app, password):
    """Long, uncommon passwords that do not spell out the email are accepted."""
    with app.app_context():
        assert passwords.problem(password, "ruth@example.org") is None


def test_the_denylist_ships_with_the_package(app):
    """The common-passwords list is read from the package, with thousands of entries."""
    with app.app_context():
        common = passwords.common_passwords()
    assert len(common) > 3000
    assert {"123456", "password", "iloveyou", "qwerty", "monkey", "dragon"} <= common
    assert all(entry == entry.lower() and not entry.startswith("#") for entry in common)


def test_minimum_length_is_configurable(app):
    """PASSWORD_MIN_LENGTH sets the minimum, and the message follows it."""
    app.config["PASSWORD_MIN_LENGTH"] = 24
    with app.app_context():
        assert "at least 24 characters" in passwords.problem(PASSWORD)


def test_create_owner_refuses_a_common_password(app, runner):
    """`campaigns create-owner` prints why a password is refused and creates nobody."""
    result = runner.invoke(
        args=["create-owner", "a@b.example", "--organization", "X", "--password", "password12345"]
    )
    assert result.exit_code != 0
    assert "too common" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_change_password_on_the_account_page(app, client, login, csrf):
    """A person changes their password; a weak new one is refused on the form with why."""
    with app.app_context():
        make_user(make_organization(), Role.organizer, email="ruth@example.org")
    login("ruth@example.org")
    token = csrf("/organize/account")
    weak = client.post(
        "/organize/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "ruth-is-the-best",
            "confirm_password": "ruth-is-the-best",
            "csrf_token": token,
        },
    )
    assert weak.status_code == 422
    assert "does not contain your email address&#39;s name (ruth)" in weak.get_data(as_text=True)

    wrong_current = client.post(
        "/organize/account/password",
        data={
            "current_password": "not my password at all",
            "new_password": "tamales at the picket line",
            "confirm_password": "tamales at the picket line",
            "csrf_token": token,
        },
    )
    assert "not your current password" in wrong_current.get_data(as_text=True)

    ok = client.post(
        "/organize/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "tamales at the picket line",
            "confirm_password": "tamales at the picket line",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.check_password("tamales at the picket line")
        assert not user.check_password(PASSWORD)
