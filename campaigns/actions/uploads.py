"""Share images that organizers upload: checked by their content, kept in the deployment's
storage (core/storage.py: never in `static/`, never under a name the uploader chose), served
by a route."""

from __future__ import annotations

import re
import secrets

from campaigns.core import storage
from campaigns.extensions import db
from campaigns.models import Action

MAX_BYTES = 2 * 1024 * 1024
# Told by the file's first bytes, not its name or the browser's Content-Type, both of which
# the uploader controls. SVG is refused: it can carry scripts.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}
NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}\.(png|jpg)$")
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg"}


class UploadError(ValueError):
    """The file is not an image we take."""


def kind_of(head: bytes) -> str:
    for signature, (extension, _) in SIGNATURES.items():
        if head.startswith(signature):
            return extension
    raise UploadError("Upload a PNG or JPEG image.")


def save_share_image(action: Action, stream) -> str:
    """Check and store the image, make it the action's share image; returns its file name."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadError("The image is larger than 2 MB; make it smaller.")
    if not data:
        raise UploadError("The file is empty.")
    extension = kind_of(data[:16])
    name = f"{secrets.token_urlsafe(18)}.{extension}"
    storage.current().put("uploads", name, data)
    old = action.share_image
    action.share_image = name
    db.session.commit()
    if old and NAME.match(old):
        storage.current().delete("uploads", old)
    return name


def served(name: str):
    """The response serving a stored image, for a name of the form we give out; else None."""
    if not NAME.match(name):
        return None
    try:
        return storage.current().download(
            "uploads", name, mimetype=MIMETYPES[name.rsplit(".", 1)[1]], max_age=7 * 24 * 3600
        )
    except storage.Missing:
        return None
