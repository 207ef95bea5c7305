"""What operators and their machines ask of a running process: is it alive, is it ready, what
is it doing (docs/configuration.md, "Health and metrics").

`health` (the readiness checks, a list one more entry joins), `metrics` (Prometheus: requests
by route group, and the state of the work read at scrape time), `logs` (JSON log lines and the
request id), `hooks` (what every request does for them) and `gunicorn_config` (the web
server's hooks for multiprocess metrics and JSON logs). The routes are in `operate/`.
"""
