"""The WSGI entry point: `gunicorn wsgi:app`."""

from campaigns import create_app

app = create_app()
