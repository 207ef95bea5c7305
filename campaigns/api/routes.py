"""SendGrid's signed Event Webhook (see docs/sendgrid-events.md).

SendGrid signs `timestamp + raw body` with ECDSA P-256/SHA-256 and sends the base64 DER
signature and the timestamp in two headers. A request is accepted only when that signature
verifies with the configured public key and the timestamp is recent, so neither a forged nor
a captured-and-replayed post can change a letter's status.
"""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache

from flask import current_app, jsonify, request
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

from campaigns.api import bp
from campaigns.extensions import csrf
from campaigns.letters.provider_events import record_events

log = logging.getLogger(__name__)

# Seconds a timestamp may lie ahead of our clock: small, since every second of it lengthens
# the time a captured request could be replayed.
CLOCK_SKEW = 60


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class NotConfigured(Exception):
    pass


@lru_cache(maxsize=4)
def _verifier(public_key: str) -> EventWebhook:
    """The verifier for `public_key`, parsed once per process rather than per request."""
    try:
        verifier = EventWebhook(public_key)
    except Exception as exc:  # whatever the parser raises, the setting is unusable
        raise NotConfigured(f"SENDGRID_WEBHOOK_PUBLIC_KEY cannot be read: {exc}") from exc
    curve = getattr(getattr(verifier.public_key, "curve", None), "name", None)
    if curve != "secp256r1":
        raise NotConfigured("SENDGRID_WEBHOOK_PUBLIC_KEY is not an ECDSA P-256 public key")
    return verifier


def verify(body: bytes, signature: str | None, timestamp: str | None, *, now: float) -> None:
    """Raise `Rejected` unless SendGrid signed this body at a recent `timestamp`."""
    public_key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
    if not public_key:
        raise NotConfigured("SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
    verifier = _verifier(public_key)
    if not signature or not timestamp:
        raise Rejected(403, "signature headers missing")
    try:
        # The helper joins str; strict decoding keeps the signed bytes exactly as received.
        payload = body.decode("utf-8")
        valid = verifier.verify_signature(payload, signature, timestamp)
    except (UnicodeDecodeError, ValueError, TypeError):
        # Undecodable base64 or a body that is not UTF-8 cannot carry a valid signature.
        valid = False
    if not valid:
        raise Rejected(403, "bad signature")
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise Rejected(403, "timestamp is not a number") from None
    max_age = current_app.config.get("SENDGRID_WEBHOOK_MAX_AGE", 600)
    if signed_at < now - max_age:
        raise Rejected(403, f"signed {int(now - signed_at)} s ago, more than {max_age} s")
    if signed_at > now + CLOCK_SKEW:
        raise Rejected(403, f"signed {int(signed_at - now)} s in the future")


@bp.post("/hooks/sendgrid/events")
@csrf.exempt
def sendgrid_events():
    # Read no more than a batch can hold: a larger body is a 413 before it is read.
    request.max_content_length = current_app.config["SENDGRID_WEBHOOK_MAX_BYTES"]
    body = request.get_data(cache=False)
    try:
        verify(
            body,
            request.headers.get(EventWebhookHeader.SIGNATURE),
            request.headers.get(EventWebhookHeader.TIMESTAMP),
            now=time.time(),
        )
    except NotConfigured as exc:
        # 503 makes SendGrid keep the events and retry, so none are lost while it is fixed.
        log.error("SendGrid event webhook refused: %s", exc)
        return jsonify(error="event webhook not configured"), 503
    except Rejected as exc:
        log.warning("SendGrid event webhook rejected from %s: %s", request.remote_addr, exc)
        return jsonify(error=exc.reason), exc.status
    try:
        events = json.loads(body)
    except ValueError:
        events = None
    if not isinstance(events, list):
        log.warning("SendGrid event webhook: signed body is not a JSON array")
        return jsonify(error="expected a JSON array of events"), 400
    return jsonify(record_events(events))
