"""Two nodes, each with its own instance folder, its own gunicorn and its own RQ worker,
sharing only PostgreSQL, Redis and the object store, with one person's requests alternating
between them: nothing a node keeps for itself may be needed by the other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from campaigns.extensions import db
from campaigns.models import Action, ActionKind, OutboxEmail, Role, Submission
from tests.conftest import csrf_from
from tests.factories import (
    PASSWORD,
    make_action,
    make_campaign,
    make_organization,
    make_petition,
    make_user,
    signer_form,
)
from tests.support import servers
from tests.support.processes import kill_tree

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

SECRET = "one key for every node of the deployment"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 80


class Node:
    def __init__(self, name: str, folder: Path, env: dict, stack: ExitStack):
        self.name = name
        self.instance = folder / name
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "INSTANCE_PATH": str(self.instance), "PUBLIC_URL": self.url}
        log = (folder / f"{name}.log").open("wb")
        stack.callback(log.close)
        web = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("-c", "python:campaigns.monitoring.gunicorn_config"),
                *("--workers", "1", "--bind", f"127.0.0.1:{self.port}"),
                "campaigns:served_app()",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(kill_tree, web.pid)
        worker = subprocess.Popen(
            [sys.executable, "-m", "campaigns", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(kill_tree, worker.pid)
        self.processes = (web, worker)

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in self.processes), f"{self.name} stopped"
            try:
                if requests.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening, or still loading the app
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not become ready")

    def files(self) -> list[str]:
        """Every file the node wrote into its instance folder, for the kinds that must not be
        there (exports, imports, uploads)."""
        return sorted(
            str(p.relative_to(self.instance))
            for area in ("exports", "uploads")
            for p in (self.instance / area).rglob("*")
            if p.is_file()
        )


def until(predicate, seconds: float = 30, what: str = "it"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds}s for {what}")


def form_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_from(page.text)


def test_two_nodes_share_only_the_database_redis_and_the_store(
    app, postgres_migrated, redis_url, s3_server, s3_bucket, tmp_path
):
    with app.app_context():
        org = make_organization()
        make_user(org, Role.owner, email="owner@local42.example")
        petition = make_petition(make_campaign(org), requires_confirmation=True)
        event = make_action(ActionKind.event, petition.campaign)
        org_slug, slug, event_id = org.slug, petition.slug, event.id
    env = {
        **os.environ,
        "DATABASE_URL": postgres_migrated,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "STORAGE_URL": f"s3://{s3_bucket}/files",
        **s3_server.environment(),
        "MAIL_BACKEND": "outbox",
    }
    with ExitStack() as stack:
        one, two = Node("one", tmp_path, env, stack), Node("two", tmp_path, env, stack)
        one.wait_ready()
        two.wait_ready()
        assert one.instance.is_dir() and two.instance.is_dir()  # INSTANCE_PATH, one each
        person = requests.Session()

        # Sign on one, confirm on the other: the form token, the confirmation link and the
        # session were all made by the first node's key.
        data = signer_form(email="rosa@example.org")
        data["csrf_token"] = form_token(person, f"{one.url}/a/{slug}")
        signed = person.post(f"{one.url}/a/{slug}", data=data, timeout=10)
        assert signed.status_code == 200, signed.text[:500]

        def confirmation_link():
            with app.app_context():
                body = db.session.scalar(
                    select(OutboxEmail.text_body).where(
                        OutboxEmail.to_address.contains("<rosa@example.org>")
                    )
                )
            found = body and re.search(rf"/a/{slug}/confirm/[^\s]+", body)
            return found and found.group(0)

        link = until(confirmation_link, what="the confirmation email from a worker")
        token = form_token(person, f"{two.url}{link}")
        confirmed = person.post(f"{two.url}{link}", data={"csrf_token": token}, timeout=10)
        assert "Your signature is confirmed" in confirmed.text
        with app.app_context():
            assert db.session.scalar(select(Submission.confirmed_at)) is not None

        # An organizer logs in on two and carries on on one.
        staff = requests.Session()
        login = staff.post(
            f"{two.url}/organize/login",
            data={
                "email": "owner@local42.example",
                "password": PASSWORD,
                "csrf_token": form_token(staff, f"{two.url}/organize/login"),
            },
            timeout=10,
            allow_redirects=False,
        )
        assert login.status_code == 302
        home = staff.get(f"{one.url}/organize/{org_slug}/", timeout=10, allow_redirects=False)
        assert home.status_code == 200, home.headers.get("Location")

        # A share image uploaded through one is served by two.
        embed = f"/organize/{org_slug}/actions/{event_id}/embed"
        uploaded = staff.post(
            f"{one.url}/organize/{org_slug}/actions/{event_id}/image",
            data={"csrf_token": form_token(staff, one.url + embed)},
            files={"image": ("poster.png", PNG, "image/png")},
            timeout=10,
            allow_redirects=False,
        )
        assert uploaded.status_code == 302
        with app.app_context():
            name = db.session.get(Action, event_id).share_image
        image = requests.get(f"{two.url}/media/{name}", timeout=10)
        assert image.status_code == 200 and image.content == PNG

        # An export asked for on two, built by whichever worker took it, downloads from
        # both nodes.
        asked = staff.post(
            f"{two.url}/organize/{org_slug}/exports",
            data={
                "columns": ["email", "first_name"],
                "csrf_token": form_token(staff, f"{two.url}/organize/{org_slug}/exports"),
            },
            timeout=10,
            allow_redirects=False,
        )
        assert asked.status_code == 302
        status_path = re.sub(r"^https?://[^/]+", "", asked.headers["Location"])

        def finished():
            status = staff.get(f"{one.url}{status_path}/status", timeout=10).json()
            return status if status["status"] == "done" else None

        status = until(finished, what="the export")
        path = re.sub(r"^https?://[^/]+", "", status["download_url"])
        for node in (one, two):
            download = staff.get(node.url + path, timeout=10)
            assert download.status_code == 200, node.name
            assert "rosa@example.org" in download.content.decode("utf-8-sig")

        assert one.files() == [] and two.files() == []
        assert [key.split("/")[1] for key in s3_server.keys(s3_bucket)] == ["exports", "uploads"]
