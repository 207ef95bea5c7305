"""The WSGI entry point: `gunicorn wsgi:app`."""

from campaigns import served_app

app = served_app()
