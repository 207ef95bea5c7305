"""The baseline for bench/read.py: a Flask app serving the same bytes with no database.

`/page` renders, through Jinja, a template holding a copy of the petition page as our app
served it (bench/read.py saves it to the folder BASELINE_TEMPLATES names), and `/count.json`
returns a constant dictionary as JSON. What is left between the two servers is what our app
does per view: finding the action, reading its counts (or its cache), building the page.
Serve it with `gunicorn --pythonpath bench baseline_read_app:app`.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, render_template

app = Flask(__name__, template_folder=os.environ.get("BASELINE_TEMPLATES", "templates"))


@app.get("/page")
def page():
    return render_template("page.html", title="Fair pay for care workers", count=1_000_000)


@app.get("/count.json")
def count():
    return jsonify(count=1_000_000, goal=2_000_000, updated_at="2026-11-23T22:00:00Z")
