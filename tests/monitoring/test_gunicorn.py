"""Under a real gunicorn with two workers: metrics summed across them, JSON access lines."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import gunicorn
import pytest

from tests.monitoring.support import samples, value
from tests.support import servers

TOKEN = "gunicorn-test-token"
ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers), read from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def get(url: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Served:
    def __init__(self, url, process, log):
        self.url, self.process, self.log = url, process, log
        self.healthz_answered = 0

    def workers(self) -> set[int]:
        return children(self.process.pid)

    def healthz(self, times: int = 1) -> list[dict]:
        answers = []
        for _ in range(times):
            status, headers, _ = get(self.url + "/healthz")
            assert status == 200
            self.healthz_answered += 1
            answers.append(headers)
        return answers

    def scrape(self) -> dict:
        status, _, text = get(self.url + "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200, text
        return samples(text)

    def wait_for_workers(self, count: int, not_these: set[int] = frozenset()) -> set[int]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) == count and not workers & not_these:
                return workers
            time.sleep(0.1)
        raise AssertionError(f"gunicorn has workers {self.workers()}")


@contextmanager
def gunicorn_serving(folder: Path, database: Path, redis_url: str, **extra_env):
    port = servers.free_port()
    env = {
        key: setting
        for key, setting in os.environ.items()
        if key not in ("PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT", "METRICS_TOKEN", "DATABASE_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL=redis_url,
        SECRET_KEY="test-secret-key",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        MAIL_BACKEND="outbox",
        METRICS_TOKEN=TOKEN,
        PYTHONPATH=str(ROOT),
        **extra_env,
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:campaigns.monitoring.gunicorn_config",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if gunicorn.version_info >= (27,):
        command.append("--no-control-socket")
    log = folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "campaigns:served_app()"], env=env, cwd=folder, stdout=out, stderr=out
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                served.healthz()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        served.wait_for_workers(2)
        yield served
    except BaseException:
        print(f"gunicorn log:\n{log.read_text()[-4000:]}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def database(tmp_path, sqlite_template):
    path = tmp_path / "campaigns.db"
    shutil.copy(sqlite_template, path)
    return path


def test_metrics_are_summed_across_workers(tmp_path, database, redis_url):
    """Each worker counts its own requests in the shared folder; a scrape, whichever worker
    answers it, sums them all, those of a worker that has since exited included."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    # Left over from an earlier run, and unreadable: the server must empty the folder first.
    (folder / "counter_999999.db").write_bytes(b"not a metrics file")
    with gunicorn_serving(tmp_path, database, redis_url, PROMETHEUS_MULTIPROC_DIR=str(folder)) as s:
        assert not (folder / "counter_999999.db").exists()
        first, second = sorted(s.workers())
        # Each worker in turn is paused, so the other one answers for certain.
        for paused in (first, second):
            os.kill(paused, signal.SIGSTOP)
            try:
                s.healthz(15)
            finally:
                os.kill(paused, signal.SIGCONT)
        s.healthz(20)
        for pid in (first, second):
            assert (folder / f"counter_{pid}.db").exists()
            assert (folder / f"histogram_{pid}.db").exists()

        # One worker exits; gunicorn starts another. What the first counted still counts.
        os.kill(first, signal.SIGTERM)
        replacement = s.wait_for_workers(2, not_these={first}) - {second}
        s.healthz(10)
        assert replacement

        found = s.scrape()
        expected = s.healthz_answered
        assert expected >= 60
        labels = {"group": "other", "method": "GET", "code": "200"}
        assert value(found, "campaigns_http_requests_total", **labels) == expected
        assert value(found, "campaigns_http_request_duration_seconds_count", group="other") == (
            expected
        )
        assert value(found, "campaigns_metrics_source_up", source="database") == 1
        assert value(found, "campaigns_metrics_source_up", source="redis") == 1
        # The next scrape sees the previous one, wherever each was answered.
        again = s.scrape()
        assert value(again, "campaigns_http_requests_total", **labels) == expected + 1

        status, _, _ = get(s.url + "/metrics")
        assert status == 401


def test_json_logs_under_gunicorn(tmp_path, database, redis_url):
    """Every line gunicorn and the app write is JSON; an access line carries the response's
    request id, as the app's own lines do."""
    with gunicorn_serving(tmp_path, database, redis_url, LOG_FORMAT="json") as served:
        (headers,) = served.healthz()
        rid = headers["X-Request-ID"]
        deadline = time.monotonic() + 10
        while rid not in served.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    entries = [json.loads(line) for line in served.log.read_text().splitlines() if line.strip()]
    assert {entry["logger"] for entry in entries} >= {"gunicorn.error", "gunicorn.access"}
    (access,) = [entry for entry in entries if entry.get("request_id") == rid]
    assert access["logger"] == "gunicorn.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", "200")
    assert access["duration"] >= 0


def test_the_config_makes_a_folder_when_none_is_given(tmp_path):
    script = (
        "import os, campaigns.monitoring.gunicorn_config as c\n"
        "folder = os.environ['PROMETHEUS_MULTIPROC_DIR']\n"
        "assert os.path.isdir(folder), folder\n"
        "c.on_exit(None)\n"
        "assert not os.path.exists(folder)\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout.strip() == "ok", result.stderr
