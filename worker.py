"""Run an RQ worker for campaigns: `python worker.py [queue ...]`.

Listens to every queue (mail, exports, default) unless queue names are given, runs RQ's
scheduler for delayed jobs and retries, and runs each job inside the application context.
"""

import sys

from campaigns import create_app
from campaigns.worker import build_worker

if __name__ == "__main__":
    app = create_app()
    build_worker(app, sys.argv[1:] or None).work(with_scheduler=True)
