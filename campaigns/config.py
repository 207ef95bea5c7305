"""Configuration read from environment variables, with defaults that work on a laptop.

Everything a deployment changes is an environment variable; nothing secret lives in the
repository. `SECRET_KEY`, when not given, is generated once and kept in the instance folder
so sessions and signed links survive a restart. That is right only for one machine: with
PostgreSQL or an https PUBLIC_URL (a real deployment, maybe of several nodes, each with its
own instance folder) a missing key stops the start instead, as each node would sign with a
key of its own and refuse the others' links and sessions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from campaigns.redis_connection import sentinel_url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def instance_secret_key(instance_path: str) -> str:
    """Return the key stored in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written with owner-only permissions: anyone holding it can forge confirmation links.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def instance_path() -> str | None:
    """INSTANCE_PATH as an absolute path, or None for Flask's default (`instance/` beside the
    package): a container or a second node on one machine gives each its own."""
    value = os.environ.get("INSTANCE_PATH", "").strip()
    return str(Path(value).resolve()) if value else None


def default_redis_url(instance_path: str) -> str:
    """Where `campaigns up` starts its embedded Redis when REDIS_URL is not set."""
    return f"unix://{Path(instance_path) / 'redis.sock'}"


def redis_url(instance_path: str) -> str:
    """REDIS_URL; else the Sentinel set REDIS_SENTINELS and REDIS_SENTINEL_SERVICE name, as a
    `redis+sentinel://` URL (campaigns/redis_connection.py); else the embedded server."""
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    sentinels = os.environ.get("REDIS_SENTINELS", "").strip()
    if sentinels:
        return sentinel_url(
            sentinels,
            os.environ.get("REDIS_SENTINEL_SERVICE", "").strip() or "mymaster",
            os.environ.get("REDIS_PASSWORD", ""),
            _int("REDIS_DB", 0),
        )
    return default_redis_url(instance_path)


def database_url(instance_path: str) -> str:
    """DATABASE_URL, else SQLite in the instance folder.

    Hosting platforms often hand out `postgres://` URLs, a scheme SQLAlchemy does not accept.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'campaigns.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return url


class MissingSecretKey(RuntimeError):
    """A deployment that may span several machines started without SECRET_KEY."""


GENERATE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping for `create_app` from the environment."""
    values = from_environment_without_key(instance_path)
    key = os.environ.get("SECRET_KEY")
    if not key:
        shared = shared_deployment(values)
        if shared:
            raise MissingSecretKey(
                f"SECRET_KEY is not set, and {shared}: every node must sign with the same "
                "key, so none is generated into the instance folder. Set SECRET_KEY to the "
                f"same secret on every node, for example the output of {GENERATE_KEY}"
            )
        key = instance_secret_key(instance_path)
    values["SECRET_KEY"] = key
    return values


def shared_deployment(values: dict) -> str:
    """Why this looks like a deployment that may run on several machines ('' if not)."""
    if values["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return "DATABASE_URL names a PostgreSQL database"
    if values["PUBLIC_URL"].startswith("https://"):
        return "PUBLIC_URL is https"
    return ""


def from_environment_without_key(instance_path: str) -> dict:
    """Everything but SECRET_KEY, for callers that bring their own key."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "REDIS_URL": redis_url(instance_path),
        # The Sentinels' own password (their `requirepass`), when REDIS_URL names a Sentinel set.
        "REDIS_SENTINEL_PASSWORD": os.environ.get("REDIS_SENTINEL_PASSWORD", ""),
        # outbox | sendgrid | smtp
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "outbox"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "campaigns@localhost"),
        "MAIL_FROM_NAME": os.environ.get("MAIL_FROM_NAME", "Campaigns"),
        "SENDGRID_API_KEY": os.environ.get("SENDGRID_API_KEY", ""),
        # Tests and benchmarks point the official client at a local SendGrid-compatible server.
        "SENDGRID_API_HOST": os.environ.get("SENDGRID_API_HOST", "https://api.sendgrid.com"),
        # The verification key SendGrid shows once the Event Webhook is signed (base64, no PEM
        # armour). Without it the webhook answers 503: unsigned events are never trusted.
        "SENDGRID_WEBHOOK_PUBLIC_KEY": os.environ.get("SENDGRID_WEBHOOK_PUBLIC_KEY", "").strip(),
        # Seconds a signed event post stays acceptable; older ones may be captured replays.
        "SENDGRID_WEBHOOK_MAX_AGE": _int("SENDGRID_WEBHOOK_MAX_AGE", 600),
        # Seconds to wait for SendGrid's answer to one send.
        "SENDGRID_TIMEOUT": _int("SENDGRID_TIMEOUT", 15),
        # Communicating with Congress (docs/congress.md). Without a chamber's key its offices
        # take no letters, and supporters and organizers are told why.
        # Confirmation emails sent per address and hour for submissions held by a rate limit
        # (docs/security.md, "Held, not dropped"); past it they wait for an organizer.
        "HELD_CONFIRMATIONS_PER_HOUR": _int("HELD_CONFIRMATIONS_PER_HOUR", 20),
        # Owners get one email an hour when at least this many submissions were held in the
        # last hour (0: never).
        "HELD_DIGEST_THRESHOLD": _int("HELD_DIGEST_THRESHOLD", 25),
        "CWC_HOUSE_URL": os.environ.get("CWC_HOUSE_URL", "").rstrip("/"),
        "CWC_HOUSE_API_KEY": os.environ.get("CWC_HOUSE_API_KEY", ""),
        "CWC_SENATE_URL": os.environ.get("CWC_SENATE_URL", "").rstrip("/"),
        "CWC_SENATE_API_KEY": os.environ.get("CWC_SENATE_API_KEY", ""),
        "CWC_SENATE_TESTING": _bool("CWC_SENATE_TESTING", False),
        "CWC_DELIVERY_AGENT": os.environ.get("CWC_DELIVERY_AGENT", ""),
        "CWC_DELIVERY_AGENT_EMAIL": os.environ.get("CWC_DELIVERY_AGENT_EMAIL", ""),
        "CWC_DELIVERY_AGENT_CONTACT_NAME": os.environ.get("CWC_DELIVERY_AGENT_CONTACT_NAME", ""),
        "CWC_DELIVERY_AGENT_CONTACT_PHONE": os.environ.get("CWC_DELIVERY_AGENT_CONTACT_PHONE", ""),
        "CWC_TIMEOUT": _int("CWC_TIMEOUT", 20),
        "CWC_RATE_PER_SECOND": _int("CWC_RATE_PER_SECOND", 5),
        # Minutes a letter whose send timed out waits for SendGrid's events to say whether it
        # went out before it is marked failed, for the organizer to send again.
        "UNKNOWN_OUTCOME_GRACE_MINUTES": _int("UNKNOWN_OUTCOME_GRACE_MINUTES", 30),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        # Absolute base for links in emails, e.g. https://act.example-union.org
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Where to report a vulnerability in this deployment (an email address or an https
        # address); published at /.well-known/security.txt (RFC 9116) when set.
        "SECURITY_CONTACT": os.environ.get("SECURITY_CONTACT", "").strip(),
        # Secure cookies by default wherever the public address is https; the variable still
        # wins, e.g. for a staging server whose PUBLIC_URL is https but is reached over http.
        "SESSION_COOKIE_SECURE": _bool(
            "SESSION_COOKIE_SECURE", os.environ.get("PUBLIC_URL", "").startswith("https://")
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # --- Hardened responses (campaigns/headers.py, docs/security.md) ---
        # Seconds a session cookie stays valid after it was last written. Flask checks it on
        # every session, permanent or not, so a staff login ends within a working day.
        "PERMANENT_SESSION_LIFETIME": _int("PERMANENT_SESSION_LIFETIME", 12 * 60 * 60),
        # Flask-Login's remember-me cookie, should a login form ever offer it: same rules.
        "REMEMBER_COOKIE_SECURE": _bool(
            "SESSION_COOKIE_SECURE", os.environ.get("PUBLIC_URL", "").startswith("https://")
        ),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How many reverse proxies sit in front of the app. X-Forwarded-For/-Proto are believed
        # from exactly that many hops; with 0 they are ignored, as any client can send them.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Who may frame views marked `embeddable` (CSP frame-ancestors sources, space separated).
        "EMBED_FRAME_ANCESTORS": os.environ.get("EMBED_FRAME_ANCESTORS", "*").strip() or "*",
        # --- end of hardened responses ---
        "CONFIRMATION_MAX_AGE_DAYS": _int("CONFIRMATION_MAX_AGE_DAYS", 60),
        "BABEL_DEFAULT_LOCALE": "en",
        # Every message on public forms is our own, translated through Flask-Babel; WTForms'
        # own catalogue would only be reloaded from disk on every request.
        "WTF_I18N_ENABLED": False,
        "LANGUAGES": ["en", "es"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # `pgbouncer` when DATABASE_URL points at PgBouncer in transaction mode: see
        # database.engine_options and docs/configuration.md, "PgBouncer".
        "DATABASE_POOLER": os.environ.get("DATABASE_POOLER", "").strip().lower(),
        # --- Staff accounts and the audit log (docs/security.md) ---
        # Passwords: at least this long, not a common one, not containing the email's name.
        "PASSWORD_MIN_LENGTH": _int("PASSWORD_MIN_LENGTH", 12),
        # This many failed logins for one email within the window lock it for the lockout.
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_FAILURE_WINDOW_MINUTES": _int("LOGIN_FAILURE_WINDOW_MINUTES", 15),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        # Failed logins from one address within the window before it must wait the lockout;
        # generous, as a union hall's staff may share one address.
        "LOGIN_MAX_FAILURES_PER_IP": _int("LOGIN_MAX_FAILURES_PER_IP", 50),
        # Owners must set up two-factor before any organizer page opens. Off for development.
        "REQUIRE_OWNER_2FA": _bool("REQUIRE_OWNER_2FA", False),
        # Minutes after a login (or a password re-entry) that sensitive actions stay allowed.
        "REAUTH_MINUTES": _int("REAUTH_MINUTES", 10),
        "INVITATION_MAX_AGE_DAYS": _int("INVITATION_MAX_AGE_DAYS", 7),
        # Audit events older than this are deleted by the daily prune job.
        "AUDIT_RETENTION_DAYS": _int("AUDIT_RETENTION_DAYS", 365),
        # --- end of staff accounts ---
        # --- Files: exports, import uploads, share images (core/storage.py) ---
        # Empty: the instance folder (EXPORT_FOLDER and UPLOAD_FOLDER below). On several
        # machines: s3://bucket/prefix in any S3-compatible store, credentials from the usual
        # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role).
        "STORAGE_URL": os.environ.get("STORAGE_URL", "").strip(),
        # The store's address when it is not Amazon's, e.g. http://minio:9000.
        "STORAGE_ENDPOINT_URL": os.environ.get("STORAGE_ENDPOINT_URL", "").strip(),
        "STORAGE_REGION": os.environ.get("STORAGE_REGION", "").strip(),
        # Keys for the store alone; empty: boto3's usual AWS_* variables, profile or role.
        "STORAGE_ACCESS_KEY_ID": os.environ.get("STORAGE_ACCESS_KEY_ID", "").strip(),
        "STORAGE_SECRET_ACCESS_KEY": os.environ.get("STORAGE_SECRET_ACCESS_KEY", "").strip(),
        # path (MinIO, Ceph and most self-hosted stores) or virtual (Amazon's newer buckets).
        "STORAGE_ADDRESSING_STYLE": os.environ.get("STORAGE_ADDRESSING_STYLE", "path"),
        # --- Supporter exports (docs/security.md, "Supporter data") ---
        # Where export files are written; the instance folder's `exports` when empty.
        "EXPORT_FOLDER": os.environ.get("EXPORT_FOLDER", ""),
        # Where share images are kept when STORAGE_URL is empty; instance/uploads by default.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", ""),
        # Hours an export file is kept after it is built; a periodic job then deletes it.
        "EXPORT_RETENTION_HOURS": _int("EXPORT_RETENTION_HOURS", 24),
        # Minutes a download link works after the page showed it.
        "EXPORT_LINK_MINUTES": _int("EXPORT_LINK_MINUTES", 15),
        # --- end of supporter exports ---
        # Days a signature's address hash is kept: long enough to review a trend, then gone,
        # as the design's privacy notes ask (docs/security.md, "Signature integrity").
        "IP_HASH_RETENTION_DAYS": _int("IP_HASH_RETENTION_DAYS", 30),
        # --- The OSDI API (docs/api.md) ---
        # Requests per second per key, and how many may come at once (Action Network: 4/s).
        "API_RATE_LIMIT": _int("API_RATE_LIMIT", 4),
        "API_RATE_BURST": _int("API_RATE_BURST", 4),
        "API_KEY_CACHE_SECONDS": _int("API_KEY_CACHE_SECONDS", 30),
        # Webhooks: an endpoint failing this long is paused and its owners emailed.
        "WEBHOOK_PAUSE_AFTER_HOURS": _int("WEBHOOK_PAUSE_AFTER_HOURS", 24),
        # Seconds each process trusts its list of organizations with endpoints.
        "WEBHOOK_CACHE_SECONDS": _int("WEBHOOK_CACHE_SECONDS", 30),
        # Allow http://localhost endpoints (development and tests only).
        "WEBHOOK_ALLOW_HTTP_LOCALHOST": _bool("WEBHOOK_ALLOW_HTTP_LOCALHOST", False),
        # --- end of the API ---
        # --- Request sizes (docs/security.md, "Request sizes") ---
        # Bytes any request body may hold; larger ones are refused (413) before being read.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # Bytes a signed-in staff member's file upload under /organize may hold.
        "UPLOAD_MAX_CONTENT_LENGTH": _int("UPLOAD_MAX_CONTENT_LENGTH", 64 * 1024 * 1024),
        # Bytes one POST of SendGrid events may hold (SendGrid batches them well below this).
        "SENDGRID_WEBHOOK_MAX_BYTES": _int("SENDGRID_WEBHOOK_MAX_BYTES", 8 * 1024 * 1024),
        # --- end of request sizes ---
        # Web requests time out long before this; it bounds a job that hangs on a provider.
        "JOB_TIMEOUT": _int("JOB_TIMEOUT", 120),
        # --- The cron scheduler (campaigns/scheduler.py, docs/queue.md) ---
        # Seconds the `campaigns cron` process that enqueues holds its lease; another takes
        # over within about this long and a third after it dies.
        "CRON_LEASE_SECONDS": _float("CRON_LEASE_SECONDS", 15),
        # Multiplies every interval of the periodic tasks; tests shorten them. 1 in production.
        "CRON_INTERVAL_SCALE": _float("CRON_INTERVAL_SCALE", 1),
        # --- end of the cron scheduler ---
        # --- Campaign tracking (docs/tracking.md) ---
        # Seconds a web process reuses an action's public count and recent signers; counts
        # trail signing by a tally anyway. 0 reads them on every request.
        "PUBLIC_COUNT_CACHE_SECONDS": _int("PUBLIC_COUNT_CACHE_SECONDS", 5),
        # Cache-Control max-age of /a/<slug>/count.json, matched to the periodic tally.
        "COUNT_JSON_MAX_AGE": _int("COUNT_JSON_MAX_AGE", 10),
        # How often the organizer dashboard asks for new figures, in seconds.
        "DASHBOARD_POLL_SECONDS": _int("DASHBOARD_POLL_SECONDS", 5),
        # --- Health and metrics (docs/configuration.md, "Health and metrics") ---
        # Seconds each /readyz check may take before it counts as failed.
        "READYZ_TIMEOUT": _float("READYZ_TIMEOUT", 2.0),
        # A bearer token /metrics asks for. Without one, /metrics answers only requests made on
        # this machine (a loopback address, no proxy headers) and is a 404 for everyone else.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", "").strip(),
        # Seconds the database and Redis figures of one scrape may take.
        "METRICS_TIMEOUT": _float("METRICS_TIMEOUT", 5.0),
        # text (the default) | json: one JSON object per log line, with the request's id.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").strip().lower() or "text",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
        # Take a request's id from its X-Request-ID header (when it is a sane token) rather than
        # make one. By default only behind trusted proxies, which set or overwrite the header.
        "TRUST_REQUEST_ID": _bool("TRUST_REQUEST_ID", _int("TRUSTED_PROXIES", 0) > 0),
        # --- end of health and metrics ---
    }
