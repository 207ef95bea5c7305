"""A local server that answers like both chambers' CWC endpoints.

Every posted document is checked against `cwc.rng` (RelaxNG, by lxml) before anything else:
an invalid one gets the 400 with `<Errors><Error>…</Error></Errors>` a chamber sends. A valid
one is accepted once per DeliveryId: the Senate answers a repeat 409, the House a 400 naming
the duplicate. Replies can be scripted (5xx, 401, slow answers) and everything is recorded.
"""

from __future__ import annotations

import json
import pathlib
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from lxml import etree

SCHEMA = etree.RelaxNG(etree.parse(str(pathlib.Path(__file__).with_name("cwc.rng"))))
ROUTES = {
    ("POST", "/v2/message"): ("house", 200),
    ("POST", "/v2/validate"): ("house", 200),
    ("POST", "/api/production-messages/"): ("senate", 201),
    ("POST", "/api/testing-messages/"): ("senate", 201),
}


@dataclass
class Received:
    method: str
    path: str
    apikey: str
    body: bytes
    status: int
    delivery_id: str = ""
    office: str = ""
    at: float = 0.0  # time.monotonic() when the answer was decided


@dataclass
class Reply:
    """A scripted answer for the next request: a status, a body, a delay before it."""

    status: int
    body: str = ""
    delay: float = 0.0


@dataclass
class CwcServer:
    house_key: str = "house-test-key"
    senate_key: str = "senate-test-key"
    house_offices: list[str] = field(default_factory=lambda: ["HCA12", "HVT00", "HWY00"])
    senate_offices: list[str] = field(default_factory=lambda: ["SCA01", "SCA03", "SVT01"])

    def __post_init__(self) -> None:
        self.received: list[Received] = []
        self.replies: list[Reply] = []
        self.accepted: dict[str, list[str]] = {"house": [], "senate": []}
        self._lock = threading.Lock()
        # A test may hold a request (hold(path, body) returns True) until `release` is set:
        # `holding` tells it the request arrived. The held request is then answered as usual.
        self.hold = None
        self.holding = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                owner._answer(self, "GET", b"")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                owner._answer(self, "POST", self.rfile.read(length))

            def log_message(self, *args):
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CwcServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def deliveries(self, chamber: str | None = None) -> list[Received]:
        """Documents accepted for delivery (validations and refusals left out)."""
        return [
            r
            for r in self.received
            if r.status in (200, 201)
            and r.path in ("/v2/message", *_SENATE_POSTS)
            and (chamber is None or _chamber(r.path) == chamber)
        ]

    # --- answering ------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        apikey = urllib.parse.parse_qs(parts.query).get("apikey", [""])[0]
        if method == "POST" and self.hold is not None and self.hold(parts.path, body):
            self.holding.set()
            self.release.wait(timeout=60)
        with self._lock:
            scripted = self.replies.pop(0) if self.replies else None
        if scripted is not None:
            time.sleep(scripted.delay)
            status, payload = scripted.status, scripted.body.encode()
            if status in (200, 201) and method == "POST":
                status, payload, delivery_id, office = self._judge(parts.path, body)
            else:
                delivery_id, office = _ids(body)
        else:
            status, payload, delivery_id, office = self._route(method, parts.path, apikey, body)
        with self._lock:
            self.received.append(
                Received(
                    method, parts.path, apikey, body, status, delivery_id, office, time.monotonic()
                )
            )
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, method: str, path: str, apikey: str, body: bytes):
        if method == "GET" and path == "/v2/offices":
            if apikey != self.house_key:
                return 401, b"", "", ""
            return 200, json.dumps(self.house_offices).encode(), "", ""
        if method == "GET" and path == "/api/active_offices.json":
            if apikey != self.senate_key:
                return 401, b"", "", ""
            offices = [{"name": code, "office_code": code} for code in self.senate_offices]
            return 200, json.dumps(offices).encode(), "", ""
        route = ROUTES.get((method, path))
        if route is None:
            return 404, b"", "", ""
        chamber, _ = route
        if apikey != (self.house_key if chamber == "house" else self.senate_key):
            return 401, b"", *_ids(body)
        return self._judge(path, body)

    def _judge(self, path: str, body: bytes):
        chamber, ok = ROUTES[("POST", path)]
        try:
            document = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            return 400, _errors([f"not well-formed XML: {exc}"]), "", ""
        if not SCHEMA.validate(document):
            messages = [f"line {e.line}: {e.message}" for e in SCHEMA.error_log]
            return 400, _errors(messages), *_ids(body)
        delivery_id, office = _ids(body)
        if (office[0] == "H") != (chamber == "house"):
            wrong = f"{office} is not an office of the {chamber}"
            return 400, _errors([wrong]), delivery_id, office
        active = self.house_offices if chamber == "house" else self.senate_offices
        if office not in active:
            return 400, _errors([f"{office} does not accept CWC messages"]), delivery_id, office
        if path == "/v2/validate":
            return ok, b"", delivery_id, office
        with self._lock:
            seen = delivery_id in self.accepted[chamber]
            if not seen:
                self.accepted[chamber].append(delivery_id)
        if seen:
            if chamber == "senate":
                return 409, b"", delivery_id, office
            return 400, _errors([f"duplicate DeliveryId {delivery_id}"]), delivery_id, office
        return ok, b"", delivery_id, office


_SENATE_POSTS = ("/api/production-messages/", "/api/testing-messages/")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (the slow-chamber test) closes before the answer: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _chamber(path: str) -> str:
    return "senate" if path in _SENATE_POSTS else "house"


def _ids(body: bytes) -> tuple[str, str]:
    try:
        document = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except (etree.XMLSyntaxError, ValueError):
        return "", ""
    return document.findtext("Delivery/DeliveryId") or "", document.findtext(
        "Recipient/MemberOffice"
    ) or ""


def _errors(messages: list[str]) -> bytes:
    items = "".join(f"<Error>{escape(m)}</Error>" for m in messages)
    return f"<Errors>{items}</Errors>".encode()


def main() -> None:
    """Run the server on its own, to try letters to Congress by hand:

        python -m tests.support.cwc_server --port 8025 [--offices HVT00,SVT01]

    then start the app with CWC_HOUSE_URL and CWC_SENATE_URL set to http://127.0.0.1:8025 and
    the keys it prints. Without --offices every office of the Congress the package ships
    (campaigns/data/us) takes CWC. Every accepted document is printed as it arrives."""
    import argparse
    import csv

    from campaigns.congress.offices import house_office, senate_office

    parser = argparse.ArgumentParser(description="A local CWC server for trying things out.")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--offices", default="", help="office codes taking CWC (default: all)")
    args = parser.parse_args()
    wanted = [o.strip().upper() for o in args.offices.split(",") if o.strip()]
    if not wanted:
        data = pathlib.Path(__file__).parents[2] / "campaigns" / "data" / "us"
        with open(data / "legislators-current.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["type"] == "rep" and row["district"].isdigit():
                    wanted.append(house_office(f"{row['state']}-{int(row['district'])}"))
                elif row["type"] == "sen":
                    wanted.append(senate_office(row["state"], row["senate_class"]))
    server = CwcServer(
        house_offices=[o for o in wanted if o and o[0] == "H"],
        senate_offices=[o for o in wanted if o and o[0] == "S"],
    )
    handler = server._server.RequestHandlerClass
    server._server.server_close()
    server._server = _QuietServer(("127.0.0.1", args.port), handler)
    server._thread = threading.Thread(target=server._server.serve_forever, daemon=True)
    print(
        f"CWC server on {server.url}: CWC_HOUSE_API_KEY={server.house_key} "
        f"CWC_SENATE_API_KEY={server.senate_key}",
        flush=True,
    )
    server.start()
    seen = 0
    try:
        while True:
            time.sleep(0.5)
            for received in server.deliveries()[seen:]:
                print(f"{received.status} {received.office} {received.delivery_id}", flush=True)
                seen += 1
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
