"""Log lines as JSON (LOG_FORMAT=json), and the id each request carries through them.

One JSON object per line, for a log shipper to read without a parser of its own: `time` (UTC,
ISO 8601 to the millisecond), `level`, `logger`, `message`, `request_id` while a request is
being answered, and `exc_info` (the formatted traceback) when there is one. The default
format stays the plain text it has always been: nothing here runs unless asked for.

Every response carries its request's id in `X-Request-ID`. The id is made here, unless the
request brings a sane one in `X-Request-ID` and TRUST_REQUEST_ID says the proxy in front sets
that header (by default: when TRUSTED_PROXIES is set). A supporter sees only an opaque token;
an operator finds every line of that request with it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping

from flask import Flask, current_app, g, has_request_context, request

# Letters, digits and a few separators, as proxies make them (nginx's $request_id, a UUID, an
# AWS trace id): nothing that could break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")


def request_id() -> str:
    """This request's id: the trusted header's, else one made now, the same all request long."""
    rid = g.get("request_id")
    if rid is None:
        if current_app.config.get("TRUST_REQUEST_ID"):
            given = request.headers.get("X-Request-ID", "")
            if SANE_REQUEST_ID.fullmatch(given):
                rid = given
        g.request_id = rid = rid or uuid.uuid4().hex
    return rid


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON. Also gunicorn's formatter (monitoring/gunicorn_config.py):
    its access lines carry the method, path, status, duration and the response's request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = request_id()
        elif record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry.update(_access_fields(record.args))
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _iso(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _access_fields(atoms: Mapping) -> dict:
    # gunicorn's atoms, looked up as its own format does: "-" for what it does not know.
    def atom(key: str) -> str:
        try:
            return str(atoms[key])
        except KeyError:
            return "-"

    fields = {"method": atom("m"), "path": atom("U"), "status": atom("s")}
    with contextlib.suppress(ValueError):
        fields["duration"] = float(atom("L"))
    rid = atom("{x-request-id}o")
    if rid != "-":
        fields["request_id"] = rid
    return fields


def is_ours(handler: logging.Handler) -> bool:
    return isinstance(handler.formatter, JsonFormatter)


def configure(app: Flask) -> logging.Handler | None:
    """With LOG_FORMAT=json, every logger writes JSON lines to standard error through the root
    logger (RQ's worker too: it adds no handler of its own when the root has one). Once per
    process: a second app, or gunicorn having set it up already, adds nothing."""
    if app.config.get("LOG_FORMAT") != "json":
        return None
    root = logging.getLogger()
    root.setLevel(app.config.get("LOG_LEVEL") or "INFO")
    for handler in root.handlers:
        if is_ours(handler):
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    return handler
