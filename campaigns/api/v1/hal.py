"""HAL+JSON for the OSDI API: responses, errors, `filter` and keyset pagination.

Collections are walked by id with an opaque `after` cursor in every `next` link, so page
10,000 costs what page 1 costs: no OFFSET scan, and rows added while a client pages through
appear at the end instead of shifting what it has not read yet. `page` alone (a client
jumping to page N, or following `prev`) still works, by OFFSET.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from flask import Response, current_app, g, request
from sqlalchemy import bindparam, func, select
from werkzeug.routing import MapAdapter

from campaigns.core import reads
from campaigns.extensions import db
from campaigns.urls import public_adapter

HAL = "application/hal+json"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
CURIES = [
    {"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": True}
]


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# Compact, and without the check for circular references: documents are trees built here,
# and the check costs a fifth of encoding a page.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def hal_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = current_app.response_class(_encoder.encode(body), status=status, mimetype=HAL)
    response.headers.update(headers or {})
    return response


def error_response(status: int, message: str) -> Response:
    """OSDI/Action Network errors are `{"error": "…"}`."""
    return hal_response({"error": message}, status)


def link(endpoint: str, **values) -> dict:
    return {"href": _public_adapter().build(endpoint, values, force_external=True)}


def _public_adapter() -> MapAdapter:
    """Links go on PUBLIC_URL, never on the request's Host header: a forged Host must not put
    another site's address into responses a cache in front of the API may keep. Bound once
    per request."""
    adapter = g.get("api_adapter")
    if adapter is None:
        adapter = g.api_adapter = public_adapter()
    return adapter


def _public_request_url() -> str:
    """This request's URL, on PUBLIC_URL's scheme, host and path."""
    root = current_app.config["PUBLIC_URL"].rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{root}{request.path}" + (f"?{query}" if query else "")


def base_url() -> str:
    """The API's absolute root, built once per request: items of a page link to themselves
    by formatting onto it, which costs far less than building a URL per row."""
    base = g.get("api_base")
    if base is None:
        base = g.api_base = link("api_v1.entry_point")["href"].rstrip("/")
    return base


def iso(moment: datetime | str | None) -> str | None:
    """ISO 8601 in UTC to the second, `2025-03-25T14:02:11Z` (isoformat is the fast path).
    Text is a date the database formatted already (`database.utc_iso`) and passes through."""
    if moment is None or isinstance(moment, str):
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def identifier(uuid: str) -> list[str]:
    return [f"campaigns:{uuid}"]


# OSDI bodies nest four or five levels; far deeper is an attack on the parser or our walk.
MAX_JSON_DEPTH = 32


def json_body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    _check_values(data)
    return data


def _check_values(data: dict) -> None:
    """Refuse bodies nested deeper than MAX_JSON_DEPTH and text holding a NUL character
    (which PostgreSQL cannot store). Walked with a stack, not by recursion."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            raise ApiError(400, "text in the body may not contain a NUL character")


# --- filter=modified_date gt '2014-03-25' -------------------------------------------------

_CLAUSE = re.compile(r"\s*(modified_date)\s+(gt|lt|ge|le)\s+'([^']*)'\s*", re.IGNORECASE)


def parse_filter(text: str | None, modified_column) -> list:
    """SQL conditions for OSDI's OData-style filter: `modified_date` compared with gt, lt,
    ge or le to a quoted date or date-time (UTC unless it says otherwise), joined by `and`."""
    if not text:
        return []
    conditions = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.fullmatch(part)
        if not match:
            raise ApiError(
                400, f"cannot read filter {part!r}; use e.g. modified_date gt '2014-03-25'"
            )
        _, op, value = match.groups()
        moment = parse_moment(value)
        op = op.lower()
        conditions.append(
            {
                "gt": modified_column > moment,
                "lt": modified_column < moment,
                "ge": modified_column >= moment,
                "le": modified_column <= moment,
            }[op]
        )
    return conditions


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        # In UTC, as the database compares: year 1 or 9999 with an offset leaves the range.
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(400, f"{value!r} is not a date (YYYY-MM-DD or ISO 8601)") from None
    except OverflowError:
        raise ApiError(400, f"{value!r} is outside the dates this API can compare") from None


# --- pagination ---------------------------------------------------------------------------


@dataclass
class Page:
    rows: list
    page: int
    per_page: int
    total: int
    next_after: str | None

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(400, f"{name} must be {bound}")
    return value


# Row ids are integer columns; nothing larger can be a row of ours.
MAX_ROW_ID = 2**31 - 1


def _cursor_key() -> Fernet:
    """Cursors are encrypted and authenticated: the API never shows a primary key, and a
    cursor it did not make is refused. The key is derived from SECRET_KEY."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hashlib.sha256(b"api-cursor\x00" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _encode_cursor(last_id: int, page: int, total: int) -> str:
    raw = json.dumps([last_id, page, total], separators=(",", ":")).encode()
    return _cursor_key().encrypt(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int, int]:
    try:
        raw = _cursor_key().decrypt((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        last_id, page, total = json.loads(raw)
        if not all(isinstance(v, int) and v >= 0 for v in (last_id, page, total)) or page < 1:
            raise ValueError
        if last_id > MAX_ROW_ID:
            raise ValueError
    except (ValueError, TypeError, InvalidToken, UnicodeError):
        raise ApiError(400, "after is not a cursor from a next link") from None
    return last_id, page, total


@dataclass(frozen=True)
class _Pages:
    """The statements that page through one query: kept for a query that is built once, since
    SQLAlchemy runs a statement object it has seen before without building its SQL again or
    matching the result's columns to it."""

    first: object  # a page by OFFSET (page=N, or the first)
    after: object  # the page after a cursor's id
    count: object  # how many rows the whole walk has


def _pages_of(query, id_column) -> _Pages:
    ordered = query.order_by(id_column).limit(bindparam("page_limit"))
    return _Pages(
        first=ordered.offset(bindparam("page_offset")),
        after=ordered.where(id_column > bindparam("after_id")),
        count=select(func.count()).select_from(query.order_by(None).subquery()),
    )


_kept_pages: dict[int, tuple[object, _Pages]] = {}


def paginate(
    query, id_column, columns: bool = False, params: dict | None = None, built_once: bool = False
) -> Page:
    """One page of `query` (a select already limited to the organization), by id.

    The total is counted once, when a walk starts, and carried in the cursor: counting a
    million rows on each of ten thousand pages would cost more than reading them.

    `params` are the values of `query`'s bound parameters. A query `built_once` (at import,
    for the commonest request: a list without a filter) keeps its paging statements.
    """
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    if columns:
        run = reads.execute
    else:

        def run(statement, values):
            return db.session.execute(statement, values).all()

    if not built_once:
        pages = _pages_of(query, id_column)
    else:
        kept = _kept_pages.get(id(query))
        if kept is None or kept[0] is not query:
            kept = _kept_pages[id(query)] = (query, _pages_of(query, id_column))
        pages = kept[1]
    values = dict(params or {}, page_limit=per_page + 1)
    cursor = request.args.get("after")
    if cursor:
        last_id, page, total = _decode_cursor(cursor)
        result = run(pages.after, values | {"after_id": last_id})
    else:
        page = _int_arg("page", 1, 1, 10**6)
        total = run(pages.count, values)[0][0]
        result = run(pages.first, values | {"page_offset": (page - 1) * per_page})
    # Objects from a select of one entity; with `columns`, plain rows read on the autocommit
    # pool (no ORM objects, no transaction): the cheapest way to a page.
    rows = list(result) if columns else [row[0] for row in result]
    next_after = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_after = _encode_cursor(rows[-1].id, page + 1, total)
    return Page(rows, page, per_page, total, next_after)


def collection(page: Page, rel: str, endpoint: str, items: list[dict], **values) -> dict:
    """The OSDI collection document around `items`, with self, next and prev links."""
    common = dict(values, per_page=page.per_page)
    if request.args.get("filter"):
        common["filter"] = request.args["filter"]
    links = {
        "self": {"href": _public_request_url()},
        rel: [{"href": item["_links"]["self"]["href"]} for item in items],
        "curies": CURIES,
    }
    if page.next_after:
        links["next"] = link(endpoint, page=page.page + 1, after=page.next_after, **common)
    if page.page > 1:
        links["prev"] = link(endpoint, page=page.page - 1, **common)
    return {
        "total_pages": page.total_pages,
        "per_page": page.per_page,
        "page": page.page,
        "total_records": page.total,
        "_links": links,
        "_embedded": {rel: items},
    }
