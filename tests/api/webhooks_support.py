"""A local webhook receiver and helpers for the webhook tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from campaigns.extensions import db
from campaigns.models import Action, Organization, Role
from campaigns.submissions.signing import Signer, sign
from campaigns.webhooks import endpoints as webhooks
from tests.factories import make_user


class Receiver:
    """A local HTTP server that answers with the statuses it is given, then 200."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"nope" if status >= 400 else b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def add_endpoint(app, org_id, url, events=None):
    with app.app_context():
        org = db.session.get(Organization, org_id)
        owner = make_user(org, Role.owner, email=f"owner{org_id}@example.org")
        endpoint = webhooks.create_endpoint(
            org, url, events or ["submission.created", "submission.confirmed"], owner
        )
        return endpoint.id, endpoint.secret


def sign_petition(app, petition_id, email="ana@example.org"):
    with app.app_context():
        action = db.session.get(Action, petition_id)
        return sign(action, Signer("Ana", "Ruiz", email, "94612")).submission_id
