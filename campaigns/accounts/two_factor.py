"""Two-factor for staff accounts: enrolment, checking codes at login, recovery codes."""

from __future__ import annotations

import secrets

from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from campaigns.accounts import totp
from campaigns.core import audit
from campaigns.core.ip import keyed_hash
from campaigns.extensions import db, queues
from campaigns.models import RecoveryCode, User, utcnow

ISSUER = "campaigns"
# A secret waits this long for its first code; the QR code on screen is useless after.
PENDING_SECONDS = 15 * 60
RECOVERY_CODES = 10
# No 0/o, 1/l/i: codes are read off paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class CodeRefused(ValueError):
    """The code does not let the person in; the message says why, in words for them."""


def pending_secret(user: User) -> str:
    """The secret being set up for `user`, made on first call and kept in Redis until it
    is confirmed or times out; a reload of the page shows the same QR code."""
    key = f"two-factor:pending:{user.id}"
    secret = queues.connection.get(key)
    if secret is not None:
        return secret.decode()
    secret = totp.new_secret()
    queues.connection.set(key, secret, ex=PENDING_SECONDS)
    return secret


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Switch two-factor on (or onto a new phone) once `code` matches; returns new recovery
    codes, to be shown once."""
    key = f"two-factor:pending:{user.id}"
    raw = queues.connection.get(key)
    if raw is None:
        raise CodeRefused("The setup timed out. Scan the new code below and try again.")
    step = totp.matching_step(raw.decode(), code)
    if step is None:
        raise CodeRefused(
            "That code does not match. Type the code your app shows now; if it still fails, "
            "check that your phone's clock is set automatically."
        )
    replacing = user.has_two_factor
    user.totp_secret = raw.decode()
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record(
        "two_factor_enabled",
        actor=user,
        subject_user=user,
        subject=audit.describe(user),
        details={"replaced": replacing},
    )
    db.session.commit()
    queues.connection.delete(key)
    return codes


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("two_factor_disabled", actor=user, subject_user=user, subject=audit.describe(user))
    db.session.commit()


def new_recovery_codes(user: User) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record(
        "recovery_codes_created", actor=user, subject_user=user, subject=audit.describe(user)
    )
    db.session.commit()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def verify(user: User, code: str) -> str:
    """Check a code from the authenticator app or a recovery code; returns which it was.

    Each is good once: an app code's time step is recorded, and a code for that step or an
    earlier one is refused after (RFC 6238 §5.2), so a code seen over a shoulder is spent.
    """
    if not user.has_two_factor:
        raise CodeRefused("Two-factor is not set up for this account.")
    cleaned = code.strip().replace(" ", "")
    if len(cleaned) == totp.DIGITS and cleaned.isdigit():
        step = totp.matching_step(user.totp_secret, cleaned)
        if step is None:
            raise CodeRefused("That code is not right. Type the code your app shows now.")
        claimed = db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        db.session.commit()
        if claimed.rowcount != 1:
            raise CodeRefused("That code was used already. Wait for your app to show a new one.")
        return "totp"
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise CodeRefused("That is not a code from your app or an unused recovery code.")
    audit.record(
        "recovery_code_used",
        actor=user,
        subject_user=user,
        subject=audit.describe(user),
        details={"left": remaining_recovery_codes(user)},
    )
    db.session.commit()
    return "recovery_code"


def provisioning_uri(user: User, secret: str) -> str:
    return totp.provisioning_uri(secret, user.email, ISSUER)


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, drawn here: nothing is fetched from elsewhere."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(
        omitsize=True, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return Markup(svg)


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def _hash(code: str) -> str:
    # Keyed: 50 bits of randomness could be brute-forced from a plain hash in a stolen copy.
    return keyed_hash("recovery-code", code.lower().replace("-", "").replace(" ", ""))
