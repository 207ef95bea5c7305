"""How large a request body may be, decided before anything reads it.

Every request is held to `MAX_CONTENT_LENGTH`; a body that declares more is refused with 413
before a byte of it is read, and one that streams more is cut off at the limit. Signed-in
staff uploading files under /organize (supporter imports, target lists, boundaries, images)
get `UPLOAD_MAX_CONTENT_LENGTH`. The SendGrid event webhook sets its own limit in its view.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user


def init_app(app: Flask) -> None:
    # First among the hooks: the CSRF check reads the form, and with it the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_limit)


def _choose_limit() -> None:
    if (
        request.path.startswith("/organize/")
        and request.mimetype == "multipart/form-data"
        and current_user.is_authenticated
    ):
        request.max_content_length = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]
