"""A local HTTP server that answers like SendGrid's v3 Mail Send endpoint.

The official `sendgrid` client is pointed at it (SENDGRID_API_HOST), so tests check the real
JSON the client sends. Responses can be scripted to exercise 429s, 5xx and rejections.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict
    # When the request arrived, on the monotonic clock (bench/surge.py times emails by it).
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None


class SendGridServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []  # consumed first-in, first-out; then 202s
        self._lock = threading.Lock()
        # hold(body) -> True keeps that request open until `release` is set: a provider that
        # hangs, so a test can kill a worker while its call is in flight.
        self.hold = None
        self.holding = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_unparseable": raw.decode("utf-8", "replace")}
                with owner._lock:
                    owner.requests.append(
                        Recorded("POST", self.path, dict(self.headers.items()), body)
                    )
                    held = owner.hold is not None and owner.hold(body)
                if held:
                    owner.holding.set()
                    owner.release.wait(timeout=60)
                with owner._lock:
                    reply = owner.replies.pop(0) if owner.replies else Reply()
                if self.path != "/v3/mail/send":
                    reply = Reply(404, body={"errors": [{"message": "not found"}]})
                self.send_response(reply.status)
                headers = dict(reply.headers)
                if reply.status == 202:
                    headers.setdefault("X-Message-Id", uuid.uuid4().hex[:22])
                payload = json.dumps(reply.body).encode() if reply.body is not None else b""
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SendGridServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def mail_sends(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v3/mail/send"]
