"""The statements that write a signature: the supporter's upsert, the submission's insert,
and on PostgreSQL both in one statement with the campaign's status check.

`signing.sign` decides which to run; these only build, cache and execute them. Each is
compiled once per dialect (`functools.cache`) and run with plain parameters, because on the
hot path of a viral petition SQLAlchemy's compilation would cost more than the database.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import and_, bindparam, case, not_, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Compiled, Dialect

from campaigns.core.addresses import canonical_email
from campaigns.database import autocommit_engine, dialect_insert, new_uuid
from campaigns.extensions import db
from campaigns.integrity.checks import Verdict
from campaigns.models import Action, Campaign, CampaignStatus, Submission, Supporter
from campaigns.submissions.action_refs import ActionRef

if TYPE_CHECKING:
    from campaigns.submissions.signing import Signer


class ActionClosed(Exception):
    """The action's campaign is not live: nothing can be signed."""


def _param(table, name: str):
    return bindparam(name, type_=table.c[name].type)


_SUPPORTER_COLUMNS = (
    "uuid",
    "organization_id",
    "email",
    "email_key",
    "first_name",
    "last_name",
    "postcode",
    "city",
    "locale",
    "subscribed",
    "subscribed_at",
    "created_at",
    "updated_at",
)


@cache
def _supporter_upsert(dialect: str, only_if_live: bool = False, keep_details: bool = False):
    """Built once per backend: constructing ON CONFLICT statements costs more than running
    them. `only_if_live` inserts nothing unless the action's campaign is live at that moment.
    `keep_details` leaves a known person's details as they are and only subscribes them.
    """
    table = Supporter.__table__
    params = [_param(table, n) for n in _SUPPORTER_COLUMNS]
    if only_if_live:
        live = (
            select(Action.id)
            .join(Campaign, Campaign.id == Action.campaign_id)
            .where(Action.id == bindparam("action_id"), Campaign.status == CampaignStatus.live)
        )
        stmt = dialect_insert(dialect, table).from_select(
            _SUPPORTER_COLUMNS, select(*params).where(live.exists())
        )
    else:
        stmt = dialect_insert(dialect, table).values(
            dict(zip(_SUPPORTER_COLUMNS, params, strict=True))
        )
    new = stmt.excluded
    newly_subscribed = and_(new.subscribed, not_(table.c.subscribed))
    subscribing = {
        "subscribed": or_(table.c.subscribed, new.subscribed),
        "subscribed_at": case((newly_subscribed, new.subscribed_at), else_=table.c.subscribed_at),
        "unsubscribed_at": case((newly_subscribed, None), else_=table.c.unsubscribed_at),
    }
    if keep_details:
        changes = subscribing | {
            "updated_at": case((newly_subscribed, new.updated_at), else_=table.c.updated_at)
        }
    else:
        # The address stays as the person first wrote it: a repeat in other capitals or with
        # dots is the same mailbox (email_key), not a new spelling to keep.
        changes = {
            "first_name": new.first_name,
            "last_name": new.last_name,
            "postcode": case((new.postcode != "", new.postcode), else_=table.c.postcode),
            "city": case((new.city != "", new.city), else_=table.c.city),
            "locale": new.locale,
            **subscribing,
            "updated_at": new.updated_at,
        }
    return stmt.on_conflict_do_update(
        index_elements=[table.c.organization_id, table.c.email_key], set_=changes
    ).returning(table.c.id)


_SUBMISSION_COLUMNS = (
    "comment",
    "source",
    "referrer",
    "show_name",
    "locale",
    "created_at",
    "fraudulent",
    "fraud_reason",
    "held_reason",
    "ip_hash",
    "email_domain",
    "employer",
    "worksite",
    "department",
    "work_shift",
)


@cache
def _submission_insert(dialect: str):
    table = Submission.__table__
    names = ("action_id", "supporter_id", *_SUBMISSION_COLUMNS)
    values = {n: _param(table, n) for n in names}
    values["uuid"] = _submission_uuid()
    return (
        dialect_insert(dialect, table)
        .values(values)
        .on_conflict_do_nothing(index_elements=[table.c.action_id, table.c.supporter_id])
        .returning(table.c.id)
    )


_EXISTING_SUBMISSION = select(Submission.__table__.c.id, Submission.__table__.c.confirmed_at).where(
    Submission.__table__.c.action_id == bindparam("action_id"),
    Submission.__table__.c.supporter_id == bindparam("supporter_id"),
)


def _submission_uuid():
    """The submission's uuid, named apart from the person's in the one-statement path."""
    return bindparam("submission_uuid", type_=Submission.__table__.c.uuid.type)


def dialect() -> str:
    # The engine's, not the session's: asking the session would make one for a request
    # that, on PostgreSQL, never uses it.
    return db.engine.dialect.name


def upsert_supporter(organization_id: int, signer: Signer, now, keep_details: bool = False) -> int:
    """Insert the person, or update them with the newest details; their id either way.

    As Action Network does, the newest name, postcode and city win (an empty postcode or
    city keeps the old one). Ticking "email me updates" subscribes; leaving it empty never
    unsubscribes someone who opted in. With `keep_details` (a partner receiving a shared
    person) a person already known keeps what the organization has, and is only subscribed.
    """
    params = _supporter_params(organization_id, signer, now)
    statement = _supporter_upsert(dialect(), keep_details=keep_details)
    return db.session.execute(statement, params).scalar_one()


def _supporter_params(organization_id: int, signer: Signer, now) -> dict:
    return {
        # Given, not left to the column's default: SQLAlchemy cannot apply Python defaults
        # inside the data-modifying CTEs of the one-statement path. Kept only on insert.
        "uuid": new_uuid(),
        "organization_id": organization_id,
        "email": signer.email.strip(),
        "email_key": canonical_email(signer.email),
        "first_name": signer.first_name,
        "last_name": signer.last_name,
        "postcode": signer.postcode,
        "city": signer.city,
        "locale": signer.locale,
        "subscribed": signer.subscribe,
        "subscribed_at": now if signer.subscribe else None,
        "created_at": now,
        "updated_at": now,
    }


def insert_submission(
    action_id: int, supporter_id: int, signer: Signer, now, verdict: Verdict, submission_uuid: str
) -> tuple[int, bool, bool]:
    """(submission id, created now?, confirmed?). The unique (action, supporter) constraint
    decides between simultaneous requests: exactly one of them creates the row."""
    params = _submission_params(action_id, signer, now, verdict, submission_uuid) | {
        "supporter_id": supporter_id
    }
    new_id = db.session.execute(_submission_insert(dialect()), params).scalar_one_or_none()
    if new_id is not None:
        return new_id, True, False
    existing_id, confirmed_at = db.session.execute(
        _EXISTING_SUBMISSION, {"action_id": action_id, "supporter_id": supporter_id}
    ).one()
    return existing_id, False, confirmed_at is not None


def _submission_params(
    action_id: int, signer: Signer, now, verdict: Verdict, submission_uuid: str
) -> dict:
    return {
        "submission_uuid": submission_uuid,
        "action_id": action_id,
        "comment": signer.comment,
        "source": signer.source,
        "referrer": signer.referrer,
        "show_name": signer.show_name,
        "locale": signer.locale,
        "created_at": now,
        "fraudulent": verdict.fraudulent,
        "fraud_reason": verdict.reason,
        "held_reason": verdict.reason if verdict.held else None,
        "ip_hash": verdict.ip_hash,
        "email_domain": verdict.email_domain,
        "employer": signer.employer,
        "worksite": signer.worksite,
        "department": signer.department,
        "work_shift": signer.work_shift,
    }


@cache
def _one_statement_sign():
    """PostgreSQL: the liveness check, the person and the submission in one statement.

    Data-modifying CTEs run once each, and the outer query sees the tables as they were
    before them, so `existing` finds only a submission that was there already. No row back
    means the campaign was not live.
    """
    table = Submission.__table__
    person = _supporter_upsert("postgresql", only_if_live=True).cte("person")
    names = ("action_id", *_SUBMISSION_COLUMNS)
    chosen = select(*(_param(table, n) for n in names), _submission_uuid(), person.c.id)
    new = (
        pg_insert(table)
        # Columns not named take their server defaults (`tallied` 0): the statement runs on
        # the driver's cursor, where SQLAlchemy would not fill in Python-side ones.
        .from_select([*names, "uuid", "supporter_id"], chosen, include_defaults=False)
        .on_conflict_do_nothing(index_elements=[table.c.action_id, table.c.supporter_id])
        .returning(table.c.id)
        .cte("new")
    )

    # Scalar subqueries, which PostgreSQL always runs with the person's id as a key of the
    # (action, supporter) index; as a join, the planner may read every submission of the
    # action and filter.
    def existing(column):
        return (
            select(column)
            .where(table.c.action_id == bindparam("action_id"), table.c.supporter_id == person.c.id)
            .scalar_subquery()
        )

    return select(new.c.id, existing(table.c.id), existing(table.c.confirmed_at)).select_from(
        person.outerjoin(new, true())
    )


def sign_in_one_statement(
    action: Action | ActionRef, signer: Signer, now, verdict: Verdict, submission_uuid: str
):
    """One round trip, on the autocommit pool: the statement is its own transaction."""
    params = _supporter_params(action.organization_id, signer, now) | _submission_params(
        action.id, signer, now, verdict, submission_uuid
    )
    engine = autocommit_engine(current_app._get_current_object(), db.engine)
    row = _execute_one(engine, params)
    if row is None:
        raise ActionClosed(action.slug)
    new_id, existing_id, confirmed_at = row
    if new_id is not None:
        return new_id, True, False
    return existing_id, False, confirmed_at is not None


@cache
def _compiled_sign(dialect: Dialect) -> tuple[Compiled, dict]:
    """The one statement's SQL and its parameters' converters, made once per process.

    It runs on the driver's own cursor: for a statement run as often as this one, what
    SQLAlchemy does around a cursor (the cache lookup, the execution context, the result
    object) cost as much again as the round trip. The converters are the ones SQLAlchemy
    would apply (UTC timestamps, the status enum); the row read back is three plain values.
    """
    compiled = _one_statement_sign().compile(dialect=dialect)
    return compiled, dict(compiled._bind_processors)


def _execute_one(engine, params: dict):
    compiled, converters = _compiled_sign(engine.dialect)
    values = compiled.construct_params(params)
    for name, convert in converters.items():
        if name in values:
            values[name] = convert(values[name])
    for attempt in (1, 2):
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(compiled.string, values)
                return cursor.fetchone()
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool handed out a connection the server had closed (a database restart):
            # the statement never ran. Dropped, and once more on a fresh one.
            if attempt == 2 or not engine.dialect.is_disconnect(exc, conn.dbapi_connection, None):
                raise
            conn.invalidate()
        finally:
            conn.close()
    return None  # not reached: the second attempt returns or raises
