import os
import stat
import subprocess
import sys

import pytest

from campaigns import create_app
from campaigns.config import MissingSecretKey, from_environment


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    """Without SECRET_KEY a key is made once, kept owner-only, and reused on restart."""
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    first = from_environment(str(tmp_path))["SECRET_KEY"]
    second = from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    """Deployments configure the app with environment variables."""
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/campaigns")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("MAIL_BACKEND", "sendgrid")
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.x")
    config = from_environment(str(tmp_path))
    assert config["SECRET_KEY"] == "from-env"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://db.internal/campaigns"
    assert config["REDIS_URL"] == "redis://cache.internal:6379/2"
    assert config["MAIL_BACKEND"] == "sendgrid"
    assert not (tmp_path / "secret_key").exists()


def test_defaults_are_local(tmp_path, monkeypatch):
    """With nothing set: SQLite and Redis socket in the instance folder, mail to the outbox."""
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_BACKEND", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/campaigns.db"
    assert config["REDIS_URL"] == f"unix://{tmp_path}/redis.sock"
    assert config["MAIL_BACKEND"] == "outbox"


def test_error_pages_hide_internals(app):
    """An unexpected error shows a plain page, never a traceback."""

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_factory_builds_without_a_database_connection(tmp_path):
    """Creating the app does no I/O against the database or Redis."""
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql://nowhere.invalid/x",
            "REDIS_URL": "redis://nowhere.invalid:1/0",
        }
    )
    assert app.url_map.bind("x").match("/a/some-petition")[0] == "public.action"


def test_postgres_scheme_from_hosting_platforms_is_accepted(tmp_path, monkeypatch):
    """A `postgres://` URL, as some platforms give, works as `postgresql://`."""
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/campaigns")
    url = from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql://u:p@db.internal:5432/campaigns"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("DATABASE_URL", "postgresql://db.internal/campaigns", "PostgreSQL"),
        ("DATABASE_URL", "postgres://u:p@db.internal/campaigns", "PostgreSQL"),
        ("PUBLIC_URL", "https://act.local99.example", "PUBLIC_URL is https"),
    ],
)
def test_a_deployment_without_secret_key_refuses_to_start(
    tmp_path, monkeypatch, variable, value, reason
):
    """With PostgreSQL or an https address, several nodes may serve: a key generated per
    node would break every link another node signed, so none is made; the error says what
    to set and how to make a key."""
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(MissingSecretKey) as error:
        from_environment(str(tmp_path))
    message = str(error.value)
    assert "Set SECRET_KEY" in message and reason in message
    assert "secrets.token_urlsafe(48)" in message
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("SECRET_KEY", "the same on every node")
    assert from_environment(str(tmp_path))["SECRET_KEY"] == "the same on every node"


def test_the_laptop_setup_still_makes_its_own_key(tmp_path, monkeypatch):
    """SQLite over http, as `campaigns up` runs, needs no SECRET_KEY."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:5000")
    assert from_environment(str(tmp_path))["SECRET_KEY"]
    assert (tmp_path / "secret_key").exists()


def test_the_command_line_says_what_to_set_without_a_traceback():
    """`campaigns cron` on PostgreSQL without SECRET_KEY stops at once with one clear line."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PUBLIC_URL")}
    env["DATABASE_URL"] = "postgresql://nowhere.invalid/campaigns"
    env["REDIS_URL"] = "redis://nowhere.invalid:1/0"
    done = subprocess.run(
        [sys.executable, "-m", "campaigns", "cron"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: SECRET_KEY is not set")
    assert "token_urlsafe" in done.stderr and "Traceback" not in done.stderr
