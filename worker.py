"""Run an RQ worker for campaigns: `python worker.py [queue ...]`.

Listens to every queue, in this order, unless queue names are given:

- `counts`: folding new submissions into the counts, and milestone checks;
- `mail`: confirmations, letters, digests, petition deliveries, invitations, reminders,
  campaign updates and other notices;
- `exports`: supporter exports and imports;
- `default`: webhooks, partner sharing, and the periodic sweeps and prunes.

It runs RQ's scheduler for delayed jobs and retries, and each job inside the application
context. The periodic jobs are enqueued by `campaigns cron` (one or several, docs/queue.md).
"""

import sys

from campaigns import create_app
from campaigns.worker import build_worker

if __name__ == "__main__":
    app = create_app()
    build_worker(app, sys.argv[1:] or None).work(with_scheduler=True)
