"""Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1,
30-second steps, 6 digits. Pure functions; two_factor.py keeps the state."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# One step either side allows for a phone clock a little off and for typing time.
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit secret in base32, the length RFC 4226 recommends for SHA-1."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def hotp(secret: str, counter: int) -> str:
    """RFC 4226 §5.3: HMAC the big-endian counter, take 31 bits at the offset the last nibble
    names, keep the last DIGITS decimal digits."""
    key = base64.b32decode(_pad(secret.upper().replace(" ", "")))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, at: float | None = None) -> str:
    return hotp(secret, time_step(at))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step within the window whose code is `code`, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(at)
    found = None
    # Every candidate is computed and compared in constant time, so the response time does
    # not tell which step matched.
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(hotp(secret, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from a QR code (Google's Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _pad(secret: str) -> str:
    return secret + "=" * (-len(secret) % 8)
