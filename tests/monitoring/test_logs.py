"""LOG_FORMAT=json: one JSON object per line, carrying the request's id."""

import io
import json
import logging

import pytest

from campaigns import create_app
from campaigns.monitoring import logs
from tests.conftest import base_config


@pytest.fixture
def json_logs(app):
    """The app logging JSON through the root logger into a buffer, undone afterwards."""
    root = logging.getLogger()
    level = root.level
    app.config["LOG_FORMAT"] = "json"
    handler = logs.configure(app)
    buffer = io.StringIO()
    handler.setStream(buffer)

    @app.get("/test/log")
    def log_something():
        logging.getLogger("campaigns.test").warning("signed by %s", "someone")
        try:
            raise ValueError("broken on purpose")
        except ValueError:
            logging.getLogger("campaigns.test").exception("it failed")
        return "logged"

    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_line_is_one_json_object_with_the_request_id(client, json_logs):
    response = client.get("/test/log")
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32
    warning, failure = lines(json_logs)
    assert warning["message"] == "signed by someone"
    assert warning["level"] == "WARNING"
    assert warning["logger"] == "campaigns.test"
    assert warning["request_id"] == rid
    assert warning["time"].endswith("Z") and "T" in warning["time"]
    assert "exc_info" not in warning
    assert failure["request_id"] == rid
    assert "ValueError: broken on purpose" in failure["exc_info"]
    assert "Traceback" in failure["exc_info"]


def test_outside_a_request_there_is_no_request_id(app, json_logs):
    with app.app_context():
        logging.getLogger("campaigns.test").warning("from a job")
    (line,) = lines(json_logs)
    assert line["message"] == "from a job" and "request_id" not in line


def test_every_request_gets_its_own_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second


def test_a_request_id_from_the_client_is_ignored_by_default(client):
    """Without a trusted proxy in front, anyone could choose the id their lines carry."""
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert response.headers["X-Request-ID"] != "chosen-by-client"


def test_a_trusted_proxy_s_request_id_is_kept_when_sane(app, client, json_logs):
    app.config["TRUST_REQUEST_ID"] = True
    response = client.get("/test/log", headers={"X-Request-ID": "lb-7f3a.9:2"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.9:2"
    assert {line["request_id"] for line in lines(json_logs)} == {"lb-7f3a.9:2"}
    for insane in ("two words", "x" * 200, '"quoted"', "-leading-dash", "a\tb"):
        response = client.get("/healthz", headers={"X-Request-ID": insane})
        assert response.headers["X-Request-ID"] != insane
        assert len(response.headers["X-Request-ID"]) == 32


def test_text_stays_the_default(app):
    assert app.config["LOG_FORMAT"] == "text"
    assert logs.configure(app) is None


def test_the_factory_sets_json_up_once(database_url, redis_url):
    root = logging.getLogger()
    level = root.level
    ours = [h for h in root.handlers if logs.is_ours(h)]
    assert ours == []
    try:
        for _ in range(2):
            create_app({**base_config(database_url, redis_url), "LOG_FORMAT": "json"})
        ours = [h for h in root.handlers if logs.is_ours(h)]
        assert len(ours) == 1
        assert root.level == logging.INFO
    finally:
        for handler in ours:
            root.removeHandler(handler)
        root.setLevel(level)
