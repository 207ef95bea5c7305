"""Command-line interface: `campaigns up`, `campaigns worker`, `campaigns create-owner`, …

Installed as the `campaigns` command; each command's docstring is its --help.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def register_commands(app: Flask) -> None:
    for command in (create_owner, seed_demo, import_targets, import_postcodes, worker, cron, up):
        app.cli.add_command(command)


def main() -> None:
    from campaigns import create_app
    from campaigns.config import MissingSecretKey

    def load() -> Flask:
        try:
            return create_app()
        except MissingSecretKey as exc:
            # A setting to fix, said in one line rather than under a traceback.
            raise click.ClickException(str(exc)) from exc

    FlaskGroup(create_app=load, help="Run and manage campaigns.")()


@click.command("create-owner")
@click.argument("email")
@click.option("--organization", "organization", required=True, help="Organization name.")
@click.option("--name", default="", help="The person's name.")
@click.password_option(
    help="At least PASSWORD_MIN_LENGTH (12) characters, not a common password and not "
    "containing the email's name; asked for when not given."
)
@with_appcontext
def create_owner(email: str, organization: str, name: str, password: str) -> None:
    """Create a staff user who owns ORGANIZATION (created if new)."""
    from campaigns.accounts.staff import AccountError
    from campaigns.accounts.staff import create_owner as create

    try:
        user = create(email, password, organization, name=name)
    except AccountError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"{user.email} owns {organization}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo organization, owner and live petition if the database has none."""
    from campaigns.demo import seed

    login = seed(current_app.instance_path)
    if login:
        click.echo(f"Demo owner: {login.email} / {login.password}")
    else:
        click.echo("The database already has organizations; nothing seeded.")


def _import(org_slug: str, directory_name: str, run) -> None:
    """Run `run(directory)` on the organization's directory, made if new; report the result.

    On errors nothing stays behind, not even a directory made for the import.
    """
    from sqlalchemy import select

    from campaigns.directories.importing import ImportErrors
    from campaigns.extensions import db
    from campaigns.models import Directory, Organization

    organization = db.session.scalars(
        select(Organization).where(Organization.slug == org_slug)
    ).one_or_none()
    if organization is None:
        raise click.UsageError(f"no organization has the slug {org_slug!r}")
    directory = db.session.scalars(
        select(Directory)
        .where(Directory.organization_id == organization.id, Directory.name == directory_name)
        .order_by(Directory.id)
    ).first()
    if directory is None:
        directory = Directory(organization_id=organization.id, name=directory_name)
        db.session.add(directory)
        db.session.flush()
    try:
        result = run(directory)
    except ImportErrors as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    click.echo(
        f"{directory_name}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )


@click.command("import-targets")
@click.argument("org_slug")
@click.argument("directory_name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["generic", "legislators"]),
    default="generic",
    show_default=True,
    help="generic: name,title,email,district[,phone,contact_url,external_id]; "
    "legislators: unitedstates/congress-legislators legislators-current.csv.",
)
@with_appcontext
def import_targets(org_slug: str, directory_name: str, file: str, file_format: str) -> None:
    """Import targets from FILE (CSV) into the directory DIRECTORY_NAME of the organization
    ORG_SLUG, made if new. Re-importing updates; a file with any bad row changes nothing."""
    from campaigns.directories import importing as directory_import

    run = {
        "generic": directory_import.import_targets,
        "legislators": directory_import.import_legislators,
    }[file_format]
    _import(org_slug, directory_name, lambda directory: run(directory, file))


@click.command("import-postcodes")
@click.argument("org_slug")
@click.argument("directory_name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["generic", "zccd"]),
    default="generic",
    show_default=True,
    help="generic: postcode,district; zccd: state_fips,state_abbr,zcta,cd.",
)
@with_appcontext
def import_postcodes(org_slug: str, directory_name: str, file: str, file_format: str) -> None:
    """Import which districts each postcode lies in from FILE (CSV) into the directory
    DIRECTORY_NAME of the organization ORG_SLUG, made if new. Re-importing adds only what
    is new; a file with any bad row changes nothing."""
    from campaigns.directories import importing as directory_import

    run = {
        "generic": directory_import.import_postcodes,
        "zccd": directory_import.import_zccd,
    }[file_format]
    _import(org_slug, directory_name, lambda directory: run(directory, file))


@click.command("worker")
@click.argument("queue_names", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queue_names: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker (with RQ's scheduler) on QUEUE_NAMES, or on every queue."""
    from campaigns.worker import build_worker

    build_worker(current_app._get_current_object(), list(queue_names) or None).work(
        burst=burst, with_scheduler=True
    )


@click.command("cron")
def cron() -> None:
    """Enqueue the periodic sweeps on schedule. Run one or several, on any machines: one at
    a time holds a lease in Redis and enqueues; another takes over within CRON_LEASE_SECONDS
    of it dying, and each period is enqueued once whoever holds it."""
    from campaigns.worker import run_cron

    run_cron(current_app._get_current_object())


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--web-workers", default=2, show_default=True, type=int)
def up(host: str, port: int, web_workers: int) -> None:
    """Start everything: Redis (embedded unless REDIS_URL or REDIS_SENTINELS is set),
    migrations, demo data, an RQ worker, the cron scheduler and the web server. Ctrl-C stops
    it all."""
    from flask_migrate import upgrade

    from campaigns import embedded_redis
    from campaigns.demo import seed

    app = current_app._get_current_object()
    env = dict(os.environ)
    env.setdefault("PUBLIC_URL", f"http://{host}:{port}")
    redis_server = None
    if not os.environ.get("REDIS_URL") and not os.environ.get("REDIS_SENTINELS"):
        redis_server = embedded_redis.start(app.instance_path)
        env["REDIS_URL"] = embedded_redis.socket_url(redis_server)
        click.echo(f"Redis (embedded Valkey): {env['REDIS_URL']}")

    upgrade()
    login = seed(app.instance_path)

    base = [sys.executable, "-m", "campaigns"]
    children = [
        subprocess.Popen([*base, "worker"], env=env),
        subprocess.Popen([*base, "cron"], env=env),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                # Metrics summed across the workers, JSON logs when asked for.
                "--config",
                "python:campaigns.monitoring.gunicorn_config",
                "--workers",
                str(web_workers),
                "--bind",
                f"{host}:{port}",
                "--access-logfile",
                "-",
                "campaigns:served_app()",
            ],
            env=env,
        ),
    ]
    stopping = False
    # Said once the web server answers, after the start-up lines of every process, so the
    # login does not scroll away before anyone reads it.
    _wait_for_web(host, port, children)
    click.echo("")
    click.echo(f"  campaigns is running at {env['PUBLIC_URL']}/")
    click.echo(f"  Organizer pages:        {env['PUBLIC_URL']}/organize/")
    if login:
        click.echo(f"  Owner login:            {login.email} / {login.password}")
    click.echo("  Mail goes to the outbox, readable on the organizer pages.  Ctrl-C stops.")
    click.echo("")

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            redis_server.stop()
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        raise SystemExit(f"a process stopped unexpectedly (exit {failed[0].returncode})")


def _wait_for_web(host: str, port: int, children: list, seconds: float = 30) -> None:
    """Until the web server accepts a connection (or a process died, or time is up)."""
    deadline = time.monotonic() + seconds
    address = "127.0.0.1" if host in ("0.0.0.0", "") else host
    while time.monotonic() < deadline and all(c.poll() is None for c in children):
        try:
            with socket.create_connection((address, port), timeout=0.5):
                time.sleep(1.5)  # the worker's and cron's own start-up lines come next
                return
        except OSError:
            time.sleep(0.2)
