"""The baseline for bench/sign.py: a bare Flask endpoint doing one insert.

It reads the same form the petition takes, inserts the name and email into its own table with
SQLAlchemy Core over a connection pool (the driver DATABASE_URL names, as the app uses), and
redirects, as a signature does. Serve it with `gunicorn --pythonpath bench baseline_app:app`
and DATABASE_URL set.
"""

from __future__ import annotations

import os

from flask import Flask, redirect, request
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

metadata = MetaData()
signatures = Table(
    "baseline_signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
)

app = Flask(__name__)
# The URL is read when a worker imports this module; importing it elsewhere needs no database.
engine = create_engine(os.environ["DATABASE_URL"]) if "DATABASE_URL" in os.environ else None


@app.post("/sign")
def sign():
    name = f"{request.form['first_name']} {request.form['last_name']}"
    with engine.begin() as conn:
        conn.execute(insert(signatures).values(name=name, email=request.form["email"]))
    return redirect("/thanks")
