"""gunicorn's settings for campaigns: `gunicorn -c python:campaigns.monitoring.gunicorn_config
'campaigns:served_app()'` (what `campaigns up` runs).

- Metrics in multiprocess mode. Each worker is its own process with its own memory, so a
  scrape that reached one would see a fraction of the requests. prometheus_client's answer is
  a folder where every process writes its figures and a scrape sums them: the folder is
  PROMETHEUS_MULTIPROC_DIR, or one made here (and deleted at exit) when it is not set. It is
  set before any worker imports the library, which chooses its mode at import; it is emptied
  as the server starts (figures from a previous run would be added to this one's); and when
  a worker exits the library is told (`mark_process_dead`), as its documentation asks.
  The counts of a worker that exited stay in the sums: counters never go down.
- With LOG_FORMAT=json, gunicorn's own lines (start-up, worker restarts, the access log) are
  JSON too, in the same shape as the application's (monitoring/logs.py).

Any other setting comes from the command line, as usual.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

_made_folder: str | None = None

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_folder = tempfile.mkdtemp(prefix="campaigns-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made_folder


def on_starting(server) -> None:
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    # Only the library's own files: the folder may be one an operator chose.
    for kind in ("counter", "gauge", "histogram", "summary"):
        for path in glob.glob(os.path.join(folder, f"{kind}_*.db")):
            os.remove(path)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_folder:
        shutil.rmtree(_made_folder, ignore_errors=True)


if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    _json = {"()": "campaigns.monitoring.logs.JsonFormatter"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "formatters": {"json": _json},
    }
